package dev.packetfs.dispatch.engine;

import dev.packetfs.dispatch.queue.JobDelivery;
import dev.packetfs.dispatch.queue.Settlement;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores settlements in the queue in batches, one write in flight at a time, each started by the
 * completion of the one before: a busy dispatcher stores many jobs per round trip, an idle one
 * stores each at once, and no thread waits. A write that fails is tried again after a backoff
 * while the writer runs; a batch dropped at a stop is not lost, because its deliveries were never
 * acknowledged and the queue hands them out again after their visibility timeout.
 */
final class SettlementWriter {
    private static final Logger LOG = LoggerFactory.getLogger(SettlementWriter.class);
    private static final int BATCH = 1024;

    private final JobDelivery queue;
    private final Consumer<List<Settlement>> stored;
    private final ConcurrentLinkedQueue<Settlement> unsettled = new ConcurrentLinkedQueue<>();
    /** True while a write is in flight (or being prepared); one at a time. */
    private final AtomicBoolean writing = new AtomicBoolean();

    private final Timer writeTimer;
    private final DistributionSummary writeSize;
    private volatile ScheduledExecutorService timers;
    private volatile boolean running;
    private volatile long backoffMs = 50;

    /** @param stored told of every batch once it is stored, on the thread that completed the write */
    SettlementWriter(JobDelivery queue, Consumer<List<Settlement>> stored, MeterRegistry registry) {
        this.queue = queue;
        this.stored = stored;
        this.writeTimer = Timer.builder("packetfs.queue.settle")
                .description("one batch of settlements stored")
                .register(registry);
        this.writeSize =
                DistributionSummary.builder("packetfs.queue.settle.size").register(registry);
    }

    /** Starts afresh (a warm Lambda runs again): what a previous run left unwritten is the queue's again. */
    void start(ScheduledExecutorService timers) {
        unsettled.clear();
        writing.set(false);
        backoffMs = 50;
        this.timers = timers;
        running = true;
    }

    /** Stops retrying failed writes; what is unwritten stays with the queue's visibility timeout. */
    void stop() {
        running = false;
    }

    /** True when nothing waits to be written and no write is in flight. */
    boolean idle() {
        return unsettled.isEmpty() && !writing.get();
    }

    void write(Settlement s) {
        unsettled.add(s);
        if (writing.compareAndSet(false, true)) {
            drain();
        }
    }

    /**
     * Writes pending settlements, a batch at a time, until none are left. A write that completes
     * at once (the in-memory queue) is followed in this loop; one that completes later continues
     * from its completion, on whatever thread completes it.
     */
    private void drain() {
        while (true) {
            List<Settlement> batch = new ArrayList<>();
            for (Settlement s; batch.size() < BATCH && (s = unsettled.poll()) != null; ) {
                batch.add(s);
            }
            if (batch.isEmpty()) {
                writing.set(false);
                // A settlement added after the poll and before the flag cleared: take it up.
                if (unsettled.isEmpty() || !writing.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            long t0 = System.nanoTime();
            CompletableFuture<Void> write;
            try {
                write = queue.settleAsync(batch).toCompletableFuture();
            } catch (RuntimeException e) {
                write = CompletableFuture.failedFuture(e);
            }
            if (!write.isDone()) {
                write.whenComplete((ok, error) -> {
                    if (written(batch, error, t0)) {
                        drain();
                    }
                });
                return;
            }
            if (!written(batch, write.isCompletedExceptionally() ? exceptionOf(write) : null, t0)) {
                return;
            }
        }
    }

    /** @return true when writing may go on with the next batch */
    private boolean written(List<Settlement> batch, Throwable error, long startNanos) {
        if (error == null) {
            writeTimer.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
            writeSize.record(batch.size());
            backoffMs = 50;
            stored.accept(batch);
            return true;
        }
        if (!running) {
            LOG.warn("stopping with {} settlements unstored; their jobs will be delivered again", batch.size());
            writing.set(false);
            return false;
        }
        long delay = backoffMs;
        backoffMs = Math.min(2000, backoffMs * 2);
        LOG.warn("storing {} settlements failed, retrying in {} ms: {}", batch.size(), delay, error.toString());
        try {
            timers.schedule(
                    () -> {
                        unsettled.addAll(batch); // back in line: the next write takes them again
                        writing.set(false);
                        if (writing.compareAndSet(false, true)) {
                            drain();
                        }
                    },
                    delay,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            writing.set(false);
        }
        return false;
    }

    private static Throwable exceptionOf(CompletableFuture<?> failed) {
        try {
            failed.join();
            return null;
        } catch (CompletionException | CancellationException e) {
            return e.getCause() == null ? e : e.getCause();
        }
    }
}
