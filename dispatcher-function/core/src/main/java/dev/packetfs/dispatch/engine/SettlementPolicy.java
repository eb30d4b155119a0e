package dev.packetfs.dispatch.engine;

import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.Settlement;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.Failure;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.Success;
import dev.packetfs.protocol.fetch.FetchException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What follows from one execution: a result, a retry (at once on another substrate, or after a
 * backoff), or a dead letter. Decided from the delivery's history, the outcome and the
 * {@link RetryPolicy} alone: it touches no queue and no substrate, and is tested on its own.
 */
public final class SettlementPolicy {
    private final RetryPolicy retry;

    public SettlementPolicy(RetryPolicy retry) {
        this.retry = retry;
    }

    /**
     * @param substrate where it ran
     * @param record the execution's record, whose cost is added to the job's
     * @param runsElsewhere whether the job, avoiding the substrates given, would now go to another
     *     substrate that fits it (never for a job pinned to one)
     */
    public Settlement afterExecution(
            Delivery d,
            String substrate,
            ExecutionOutcome outcome,
            ExecutionRecord record,
            Predicate<Set<String>> runsElsewhere) {
        int attempt = d.attempts() + 1;
        long cost = d.costPicoUsd() + record.costPicoUsd();
        if (outcome instanceof Success ok) {
            return new Settlement.Done(
                    d,
                    new JobResult(
                            d.jobId(),
                            JobResult.Status.SUCCEEDED,
                            substrate,
                            ok.result(),
                            ok.executionTimeMs(),
                            cost,
                            attempt,
                            null,
                            Instant.now()),
                    record);
        }
        Failure f = (Failure) outcome;
        String error = substrate + ": " + f.message();
        switch (f.kind()) {
            case JOB_ERROR:
                return new Settlement.Done(d, JobResult.failed(d.jobId(), substrate, attempt, cost, error), record);
            case OBJECT_CHANGED:
                // Every substrate would read the same new version: no retry, no failover.
                return new Settlement.Done(
                        d, JobResult.failed(d.jobId(), substrate, attempt, cost, error), record, true);
            case THROTTLED:
                return pushBack(d, retry.throttleDelay(d.throttles() + 1), record);
            case UNSUITABLE: {
                // The substrate will not run this job (its data may not go there): elsewhere, at
                // once and without burning an attempt, or nowhere.
                Set<String> avoid = avoiding(d, substrate);
                if (!runsElsewhere.test(avoid)) {
                    return new Settlement.Done(
                            d, JobResult.failed(d.jobId(), substrate, d.attempts(), cost, error), record);
                }
                return new Settlement.Retry(d, Duration.ZERO, false, error, avoid, record);
            }
            case ORIGIN:
                // The origin is the same wherever the job runs: back off, and avoid no substrate.
                return retryOrDeadLetter(d, error, attempt, cost, record, d.avoid(), false);
            default: {
                // The substrate failed: fail over at once when another can take the job; else back off.
                Set<String> avoid = avoiding(d, substrate);
                return retryOrDeadLetter(d, error, attempt, cost, record, avoid, runsElsewhere.test(avoid));
            }
        }
    }

    /** Another attempt (at once, or after a backoff) while attempts are left, else a dead letter. */
    private Settlement retryOrDeadLetter(
            Delivery d,
            String error,
            int attempt,
            long cost,
            ExecutionRecord record,
            Set<String> avoid,
            boolean atOnce) {
        List<String> errors = new ArrayList<>(d.errors());
        errors.add(error);
        if (attempt >= retry.maxAttempts()) {
            return new Settlement.Dead(
                    d,
                    JobResult.failed(
                            d.jobId(),
                            record == null ? null : record.substrate(),
                            attempt,
                            cost,
                            "failed " + attempt + " attempts; last: " + error),
                    errors,
                    record);
        }
        return new Settlement.Retry(d, atOnce ? Duration.ZERO : retry.backoff(attempt), true, error, avoid, record);
    }

    /**
     * Back-pressure (throttled, or no substrate free): run again after {@code delay} without
     * burning an attempt, unless pushed back too often already.
     *
     * @param record the execution that was throttled, or null when nothing ran
     */
    public Settlement pushBack(Delivery d, Duration delay, ExecutionRecord record) {
        if (d.throttles() + 1 > retry.maxThrottles()) {
            String error = "pushed back " + (d.throttles() + 1) + " times (throttled, or no substrate free)";
            List<String> errors = new ArrayList<>(d.errors());
            errors.add(error);
            long cost = d.costPicoUsd() + (record == null ? 0 : record.costPicoUsd());
            return new Settlement.Dead(
                    d,
                    JobResult.failed(d.jobId(), record == null ? null : record.substrate(), d.attempts(), cost, error),
                    errors,
                    record);
        }
        return new Settlement.Retry(d, delay, false, null, d.avoid(), record);
    }

    /**
     * A fan-out job whose object could not be probed: a refused address fails it at once, as a
     * substrate would; anything the origin did is the origin's, retried after a backoff and then
     * dead-lettered, as an {@code ORIGIN} failure is.
     */
    public Settlement probeFailed(Delivery d, FetchException e) {
        String error = "planning: data_url: " + e.getMessage();
        if (e.kind() == FetchException.Kind.ADDRESS_REFUSED) {
            return refused(d, error);
        }
        return retryOrDeadLetter(d, error, d.attempts() + 1, d.costPicoUsd(), null, d.avoid(), false);
    }

    /** A job refused for good before it ran (a fan-out plan that cannot be made). */
    public Settlement refused(Delivery d, String error) {
        return new Settlement.Done(d, JobResult.failed(d.jobId(), null, d.attempts(), d.costPicoUsd(), error), null);
    }

    /** No configured substrate can ever run the job: it fails without running. */
    public Settlement unsatisfiable(Delivery d, String reason) {
        return new Settlement.Done(
                d,
                JobResult.failed(
                        d.jobId(), null, d.attempts(), d.costPicoUsd(), "no substrate can run this job: " + reason),
                null);
    }

    private static Set<String> avoiding(Delivery d, String substrate) {
        Set<String> avoid = new LinkedHashSet<>(d.avoid());
        avoid.add(substrate);
        return avoid;
    }
}
