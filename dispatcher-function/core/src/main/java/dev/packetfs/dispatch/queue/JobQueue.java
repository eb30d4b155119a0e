package dev.packetfs.dispatch.queue;

import dev.packetfs.dispatch.fanout.FanOutProgress;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.ledger.LedgerSnapshot;
import dev.packetfs.dispatch.ledger.SeriesBucket;
import dev.packetfs.dispatch.ledger.SeriesResolution;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where jobs wait, and where their results and execution records are kept. At-least-once: a job
 * taken by a consumer stays that consumer's until it is settled; if the consumer dies, the job is
 * delivered again once its visibility timeout lapses. Settling is idempotent, and a job id yields
 * one stored result however often the job is submitted or delivered.
 *
 * <p>{@code RedisStreamJobQueue} (package {@code queue.redis}) keeps all of this in Redis, shared
 * by any number of dispatchers; {@link InMemoryJobQueue} keeps it in one JVM with the same
 * semantics (one contract test runs against both). A store that cannot be reached is reported as
 * {@link QueueUnavailableException}.
 */
public interface JobQueue extends AutoCloseable {

    /** Where the queue lives, for health reports: {@code redis} or {@code in-memory}. */
    String backend();

    /** Queues jobs, in order; a job whose id is already known is not queued again. */
    List<SubmitOutcome> submit(List<ComputeJob> jobs);

    default SubmitOutcome submit(ComputeJob job) {
        return submit(List.of(job)).get(0);
    }

    /**
     * Adds job text to the ingress list exactly as {@code LPUSH packetfs:jobs:queue '<job>'} does:
     * unvalidated. A job that turns out invalid is settled as failed (or dead-lettered when it has
     * no usable {@code job_id}) when it is taken.
     */
    void pushRaw(String jobJson);

    /**
     * Waits up to {@code wait} for work and returns at most {@code max} deliveries (none on
     * timeout). Includes deliveries of other consumers whose visibility lapsed.
     */
    List<Delivery> take(int max, Duration wait) throws InterruptedException;

    /**
     * {@link #take} without blocking the caller: completes with the deliveries (possibly none)
     * within about {@code wait}. One take at a time per queue.
     */
    java.util.concurrent.CompletableFuture<List<Delivery>> takeAsync(int max, Duration wait);

    /** Settles deliveries: results stored, retries scheduled, dead letters written. Idempotent. */
    void settle(List<Settlement> settlements);

    /**
     * {@link #settle} without blocking the caller: the stage completes once the settlements are
     * stored (exceptionally if they could not be; settling again is safe).
     */
    default java.util.concurrent.CompletionStage<Void> settleAsync(List<Settlement> settlements) {
        try {
            settle(settlements);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    /** Tells the queue these deliveries are still being worked on, so they are not redelivered. */
    void extend(List<Delivery> inFlight);

    /**
     * Moves retries whose delay has passed back to the queue.
     *
     * @return the time until the next retry is due, or null if none is waiting
     */
    Duration promoteDueRetries();

    Optional<JobResult> result(String jobId);

    /**
     * Replaces the stored result of a finished job, keeping its expiry: a result later found
     * wrong (an untrusted volunteer caught lying) is put right. Does nothing when no result is
     * stored (never stored, or expired).
     */
    void correctResult(JobResult corrected);

    Optional<JobStatus> status(String jobId);

    /** Per-substrate totals and recent execution records. */
    LedgerSnapshot ledger();

    /**
     * What each substrate did in each period from {@code fromPeriod} to {@code toPeriod}
     * (inclusive, numbered as {@link SeriesResolution#period} numbers them); periods with nothing
     * are left out.
     */
    NavigableMap<Long, Map<String, SeriesBucket>> series(SeriesResolution resolution, long fromPeriod, long toPeriod);

    // -- fan-out jobs (docs/jobs.md#fan-out) --------------------------------------------------

    /** Fan-out jobs in progress (not yet finished), the most recently planned first, at most {@code max}. */
    List<FanOutProgress> fanOuts(int max);

    /**
     * Marks a fan-out job as being planned (its object probed): it shows as {@code planning}, and
     * {@link #cancel} can still call it back; {@code on} false marks it {@code running} again (it
     * runs as one job).
     *
     * @return true while the delivery still owns the job; false once it was cancelled meanwhile
     */
    CompletableFuture<Boolean> planning(Delivery parent, boolean on);

    /**
     * Queues a duplicate of a late window, to run elsewhere than {@code lateOn}; the first answer
     * completes the window. Completes with false when the rules say no: the parent is not running,
     * fewer than {@code afterFraction} of its windows are done, the window is done, or it has
     * been hedged already.
     */
    CompletableFuture<Boolean> hedgeAsync(Delivery window, String lateOn, double afterFraction);

    /**
     * {@code DELETE /jobs/{id}}: a job that has not started will not; a fan-out job starts no more
     * windows and finishes as cancelled.
     */
    CancelOutcome cancel(String jobId);

    // -- dead letters -------------------------------------------------------------------------

    /** The newest dead letters first, at most {@code max}. */
    List<DeadLetter> deadLetters(int max);

    /**
     * Queues a dead letter's job again, as a new submission with every attempt ahead of it, and
     * removes the dead letter. Its failed result is removed first, so the new run can store one.
     *
     * @throws JobRequeueException when it cannot run again (no such dead letter, no usable job,
     *     a window of a fan-out job, or a job whose id is queued or running again already)
     */
    SubmitOutcome requeue(String deadLetterId);

    QueueDepth depth();

    @Override
    void close();

    /** The error a job cancelled before it ran fails with. */
    static String cancelledError(String jobId) {
        return "cancelled (DELETE /jobs/" + jobId + ") before it ran";
    }

    /** The job a dead letter holds, when it may be queued again; else why not. */
    static ComputeJob requeueable(DeadLetter letter) {
        if (letter.jobId() == null) {
            throw new JobRequeueException(false, "dead letter " + letter.id() + " has no usable job_id: it cannot run");
        }
        ComputeJob job;
        try {
            job = dev.packetfs.dispatch.job.JobJson.parse(letter.job());
        } catch (RuntimeException e) {
            throw new JobRequeueException(false, "dead letter " + letter.id() + " holds a job that cannot run: " + e.getMessage());
        }
        if (job.window() != null) {
            throw new JobRequeueException(false, job.jobId() + " is a window of fan-out job " + job.window().parent()
                    + ", which failed with it; submit " + job.window().parent() + " again");
        }
        return job;
    }
}
