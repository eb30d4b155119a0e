package dev.packetfs.dispatch.queue;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.ledger.LedgerSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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

    QueueDepth depth();

    @Override
    void close();
}
