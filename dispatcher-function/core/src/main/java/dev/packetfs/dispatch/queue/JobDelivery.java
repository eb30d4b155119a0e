package dev.packetfs.dispatch.queue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The consumer's side of the queue (BullMQ's {@code Worker}), used by the dispatch loop alone.
 * At-least-once: a job taken stays its consumer's until it is settled; if the consumer dies, the
 * job is delivered again once its visibility timeout lapses. Settling is idempotent.
 */
public interface JobDelivery {

    /**
     * Waits up to {@code wait} for work and returns at most {@code max} deliveries (none on
     * timeout). Includes deliveries of other consumers whose visibility lapsed.
     */
    List<Delivery> take(int max, Duration wait) throws InterruptedException;

    /**
     * {@link #take} without blocking the caller: completes with the deliveries (possibly none)
     * within about {@code wait}. One take at a time per queue.
     */
    CompletableFuture<List<Delivery>> takeAsync(int max, Duration wait);

    /** Tells the queue these deliveries are still being worked on, so they are not redelivered. */
    void extend(List<Delivery> inFlight);

    /** Settles deliveries: results stored, retries scheduled, dead letters written. Idempotent. */
    void settle(List<Settlement> settlements);

    /**
     * {@link #settle} without blocking the caller: the stage completes once the settlements are
     * stored (exceptionally if they could not be; settling again is safe).
     */
    default CompletionStage<Void> settleAsync(List<Settlement> settlements) {
        try {
            settle(settlements);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Moves retries whose delay has passed back to the queue.
     *
     * @return the time until the next retry is due, or null if none is waiting
     */
    Duration promoteDueRetries();

    /**
     * Marks a fan-out job as being planned (its object probed): it shows as {@code planning}, and
     * {@link JobIntake#cancel} can still call it back; {@code on} false marks it {@code running}
     * again (it runs as one job).
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
}
