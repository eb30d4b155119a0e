package dev.packetfs.dispatch.queue;

import dev.packetfs.dispatch.fanout.FanOutLimits;
import dev.packetfs.dispatch.fanout.WindowPlan;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How a delivery ends, with the record of the execution that ended it (null when nothing ran,
 * e.g. an invalid job). Settling acknowledges the delivery in the same atomic step that stores
 * what follows from it, so a crash can never leave a job both acknowledged and unrecorded.
 */
public sealed interface Settlement {

    Delivery delivery();

    ExecutionRecord record();

    /**
     * The job is finished: its result (succeeded, or failed for good) is stored.
     *
     * @param objectChanged it failed because its object is no longer the version its program pins;
     *     for a window, its parent fails (or is planned again) for that reason
     */
    record Done(Delivery delivery, JobResult result, ExecutionRecord record, boolean objectChanged)
            implements Settlement {

        public Done(Delivery delivery, JobResult result, ExecutionRecord record) {
            this(delivery, result, record, false);
        }
    }

    /**
     * The job runs again after {@code delay}.
     *
     * @param burnsAttempt false for throttling, which is back-pressure, not the job failing
     */
    record Retry(
            Delivery delivery,
            Duration delay,
            boolean burnsAttempt,
            String error,
            Set<String> avoid,
            ExecutionRecord record)
            implements Settlement {}

    /** The job failed its last attempt: a failed result, and the job kept in the dead-letter stream. */
    record Dead(Delivery delivery, JobResult result, List<String> errors, ExecutionRecord record)
            implements Settlement {}

    /**
     * A fan-out job is cut into windows: its record is kept in the queue, its first windows are
     * queued, and its own delivery is acknowledged, in one step. Its result comes when its last
     * window is in (docs/jobs.md#fan-out).
     */
    record Planned(Delivery delivery, WindowPlan plan, FanOutLimits limits) implements Settlement {
        @Override
        public ExecutionRecord record() {
            return null;
        }
    }

    /**
     * A fan-out job being planned again after its object changed ({@link Delivery#restarts()} &gt;
     * 0) that cannot be: the job fails through its record, which keeps what it cost, with this
     * error; its delivery is acknowledged in the same step.
     */
    record Unplannable(Delivery delivery, String error) implements Settlement {
        @Override
        public ExecutionRecord record() {
            return null;
        }
    }
}
