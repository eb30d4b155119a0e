package dev.packetfs.dispatch.engine;

import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.ledger.CostLedger;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.Settlement;
import dev.packetfs.dispatch.select.Selection;
import dev.packetfs.dispatch.select.SubstrateSelector;
import dev.packetfs.dispatch.select.SubstrateState;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.Failure;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.Success;
import dev.packetfs.dispatch.substrate.ExecutionRequest;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatch loop: takes jobs from the queue, runs each on the best substrate that will take it,
 * and settles every delivery exactly once — result, retry (with backoff, or at once on another
 * substrate), or dead letter.
 *
 * <p>Nothing here owns a thread that waits. One read of the queue is outstanding at a time (a
 * blocking read on the server, so an idle dispatcher is woken by Redis, never by polling); its
 * completion dispatches what it brought and issues the next read. Adapters run executions
 * asynchronously. Settlements are written in batches, one write in flight at a time, each
 * started by the completion of the one before: a busy dispatcher stores many jobs per round trip,
 * an idle one stores each at once. With the Redis queue all of this runs on the Redis I/O thread
 * with no hand-off between threads, which on a virtualized host is what a round trip mostly costs
 * (BENCHMARKS.md). A timer extends long deliveries and probes substrate health. At most {@code maxInFlight} deliveries are held, and a
 * slot frees only once its settlement is stored, so a slow queue slows intake instead of growing
 * the heap.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    private static final int SETTLE_BATCH = 1024;
    /** Time past a job's own timeout before the dispatcher stops waiting on its adapter. */
    private static final Duration ADAPTER_GRACE = Duration.ofSeconds(5);

    private final JobQueue queue;
    private final SubstrateSelector selector;
    private final CostLedger ledger;
    private final DispatchSettings settings;
    private final Semaphore slots;
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Settlement> unsettled = new ConcurrentLinkedQueue<>();
    /** True while a settlement write is in flight (or being prepared); one at a time. */
    private final AtomicBoolean writing = new AtomicBoolean();
    /** Deliveries whose substrates are all busy: they wait here, in order, for a slot to free. */
    private final ConcurrentLinkedDeque<Delivery> waiting = new ConcurrentLinkedDeque<>();
    private final java.util.concurrent.atomic.AtomicInteger pumpRequests = new java.util.concurrent.atomic.AtomicInteger();
    private ScheduledExecutorService timers;
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong settled = new AtomicLong();
    private final Timer takeTimer;
    private final Timer settleTimer;
    private final Timer dispatchTimer;
    private final DistributionSummary takeSize;
    private final DistributionSummary settleSize;
    private volatile boolean running;
    private volatile boolean intakeOpen;
    private volatile boolean settling;
    private volatile long lastWorkNanos = System.nanoTime();
    private volatile long settleBackoffMs = 50;
    /** True while a read of the queue is outstanding; one at a time. */
    private final AtomicBoolean reading = new AtomicBoolean();
    private volatile long readBackoffMs = 100;

    private record InFlight(Delivery delivery, long since) {}

    /** What a bounded run did: the scheduled Lambda drain reports it. */
    public record DrainReport(long taken, long settled, long leftInFlight, Duration ran) {}

    public Dispatcher(JobQueue queue, SubstrateSelector selector, CostLedger ledger, DispatchSettings settings,
            MeterRegistry registry) {
        this.queue = queue;
        this.selector = selector;
        this.ledger = ledger;
        this.settings = settings;
        this.slots = new Semaphore(settings.maxInFlight());
        Gauge.builder("packetfs.inflight", inFlight, Map::size).register(registry);
        this.takeTimer = Timer.builder("packetfs.queue.take").description("one read of jobs from the queue")
                .register(registry);
        this.settleTimer = Timer.builder("packetfs.queue.settle").description("one batch of settlements stored")
                .register(registry);
        this.dispatchTimer = Timer.builder("packetfs.dispatch.batch")
                .description("starting every job of one read on its substrate").register(registry);
        this.takeSize = DistributionSummary.builder("packetfs.queue.take.size").register(registry);
        this.settleSize = DistributionSummary.builder("packetfs.queue.settle.size").register(registry);
    }

    public JobQueue queue() {
        return queue;
    }

    public SubstrateSelector selector() {
        return selector;
    }

    /** Starts taking and running jobs; after {@link #shutdown} it may be started again (a warm Lambda). */
    public synchronized void start() {
        if (running) {
            return;
        }
        lastWorkNanos = System.nanoTime();
        // Deliveries a previous run abandoned are the queue's again (their visibility lapses);
        // forget them, and give back the slots they held.
        inFlight.clear();
        waiting.clear();
        unsettled.clear();
        writing.set(false);
        reading.set(false);
        slots.drainPermits();
        slots.release(settings.maxInFlight());
        timers = Executors.newScheduledThreadPool(1, r -> daemon(r, "packetfs-dispatch-timers"));
        intakeOpen = true;
        settling = true;
        running = true;
        long beat = settings.heartbeat().toMillis();
        timers.scheduleWithFixedDelay(this::extendLongDeliveries, beat, beat, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::probeHealth, 0, settings.healthInterval().toMillis(), TimeUnit.MILLISECONDS);
        // Room can also appear without an execution ending: a substrate coming back up, a
        // volunteer browser joining. Waiting deliveries get the first look at it.
        timers.scheduleWithFixedDelay(this::roomMayHaveAppeared, 100, 100, TimeUnit.MILLISECONDS);
        requestMore();
    }

    /**
     * Runs for at most {@code budget}, or until the queue has been empty for {@code idleStop},
     * then stops taking, lets what is in flight finish within {@code grace}, and returns. What
     * could not finish stays in the queue, to be redelivered after its visibility timeout.
     */
    public DrainReport drain(Duration budget, Duration idleStop, Duration grace) throws InterruptedException {
        long begin = System.nanoTime();
        long deadline = begin + budget.toNanos();
        long takenBefore = taken.get();
        long settledBefore = settled.get();
        start();
        while (System.nanoTime() < deadline) {
            Thread.sleep(Math.min(50, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
            if (inFlight.isEmpty() && System.nanoTime() - lastWorkNanos > idleStop.toNanos()) {
                break;
            }
        }
        shutdown(grace);
        return new DrainReport(taken.get() - takenBefore, settled.get() - settledBefore, inFlight.size(),
                Duration.ofNanos(System.nanoTime() - begin));
    }

    // -- intake -------------------------------------------------------------------------------

    /**
     * Issues the next read unless one is outstanding, intake is closed, or there is no room: no
     * free dispatcher slot, or no free substrate slot. Called whenever room may have appeared.
     */
    private void requestMore() {
        if (!intakeOpen || !reading.compareAndSet(false, true)) {
            return;
        }
        // Take no more than the substrates can start now: jobs left in the queue stay free for
        // other dispatchers, and a time-boxed drain takes only what it can run.
        int room = Math.min(Math.min(slots.availablePermits(), settings.takeBatch()), selector.freeCapacity());
        if (room <= 0 || !slots.tryAcquire(room)) {
            reading.set(false);
            return; // a finishing execution or stored settlement calls again
        }
        long t0 = System.nanoTime();
        CompletableFuture<List<Delivery>> read;
        try {
            read = queue.takeAsync(room, settings.takeWait());
        } catch (RuntimeException e) {
            read = CompletableFuture.failedFuture(e);
        }
        read.whenComplete((got, error) -> {
            List<Delivery> deliveries = error == null ? got : List.of();
            slots.release(room - deliveries.size());
            if (error != null) {
                readFailed(error);
                return;
            }
            readBackoffMs = 100;
            if (!deliveries.isEmpty()) {
                long t1 = System.nanoTime();
                lastWorkNanos = t1;
                taken.addAndGet(deliveries.size());
                takeTimer.record(t1 - t0, TimeUnit.NANOSECONDS);
                takeSize.record(deliveries.size());
                for (Delivery d : deliveries) {
                    dispatch(d);
                }
                dispatchTimer.record(System.nanoTime() - t1, TimeUnit.NANOSECONDS);
            }
            reading.set(false);
            requestMore();
        });
    }

    private void roomMayHaveAppeared() {
        if (!waiting.isEmpty()) {
            pump();
        }
        requestMore();
    }

    private void readFailed(Throwable error) {
        long delay = readBackoffMs;
        readBackoffMs = Math.min(5000, readBackoffMs * 2);
        if (intakeOpen) {
            LOG.warn("taking jobs failed, retrying in {} ms: {}", delay, error.toString());
        }
        ScheduledExecutorService t = timers;
        try {
            t.schedule(() -> {
                reading.set(false);
                requestMore();
            }, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            reading.set(false);
        }
    }

    private void dispatch(Delivery d) {
        inFlight.put(d.handle(), new InFlight(d, System.nanoTime()));
        if (!waiting.isEmpty()) {
            waiting.add(d); // behind those already waiting: first come, first served
            pump();
            return;
        }
        if (!tryRun(d)) {
            waiting.add(d);
            pump(); // a slot may have freed since the attempt
        }
    }

    /**
     * Starts the delivery on the best substrate with a free slot, or settles it when it cannot
     * run at all. Returns false when every fitting substrate is busy: the caller keeps it waiting.
     */
    private boolean tryRun(Delivery d) {
        Selection selection = selector.select(d.job(), d.avoid());
        if (selection.unsatisfiable() != null) {
            settle(new Settlement.Done(d, JobResult.failed(d.jobId(), null, d.attempts(), d.costPicoUsd(),
                    "no substrate can run this job: " + selection.unsatisfiable()), null));
            return true;
        }
        if (selection.unavailable() != null) {
            settle(pushBack(d, settings.unavailableDelay(), null));
            return true;
        }
        Optional<SubstrateState> chosen = selector.acquire(selection);
        if (chosen.isEmpty()) {
            return false;
        }
        run(d, chosen.get());
        return true;
    }

    /**
     * Runs waiting deliveries while slots are free. An execution that completes at once calls
     * back into here from {@link #finish}: such calls only ask the running loop to go round
     * again, so the stack never grows with the number waiting and no wake-up is lost.
     */
    private void pump() {
        if (pumpRequests.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            Delivery next;
            while ((next = waiting.poll()) != null) {
                if (!tryRun(next)) {
                    waiting.addFirst(next);
                    break;
                }
            }
            missed = pumpRequests.addAndGet(-missed);
        } while (missed != 0);
    }

    private void run(Delivery d, SubstrateState substrate) {
        Duration timeout = d.job().maxDurationMs() != null
                ? Duration.ofMillis(d.job().maxDurationMs()) : settings.defaultTimeout();
        long start = System.nanoTime();
        CompletableFuture<ExecutionOutcome> execution;
        try {
            execution = substrate.adapter().execute(new ExecutionRequest(d.job(), timeout)).toCompletableFuture();
        } catch (RuntimeException e) {
            execution = CompletableFuture.completedFuture(Failure.of(FailureKind.RETRYABLE, "adapter failed: " + e));
        }
        execution.orTimeout(timeout.plus(ADAPTER_GRACE).toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((outcome, error) -> finish(d, substrate, error == null ? outcome : failure(error), start));
    }

    private static ExecutionOutcome failure(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        return cause instanceof TimeoutException
                ? Failure.of(FailureKind.RETRYABLE, "no answer in time")
                : Failure.of(FailureKind.RETRYABLE, "execution failed: " + cause);
    }

    private void finish(Delivery d, SubstrateState substrate, ExecutionOutcome outcome, long start) {
        long latency = System.nanoTime() - start;
        String name = substrate.name();
        selector.finish(substrate, outcome, latency);
        ExecutionRecord record = new ExecutionRecord(d.jobId(), name,
                outcome instanceof Failure f ? f.kind().name() : null,
                TimeUnit.NANOSECONDS.toMillis(latency), ledger.price(name, outcome.billed()),
                outcome instanceof Success ok ? ok.bytesProcessed() : 0, Instant.now());
        ledger.publish(record);
        settle(decide(d, name, outcome, record));
        if (!waiting.isEmpty()) {
            pump();
        }
        requestMore(); // a substrate slot freed
    }

    /** What follows from one execution's outcome. */
    private Settlement decide(Delivery d, String substrate, ExecutionOutcome outcome, ExecutionRecord record) {
        int attempt = d.attempts() + 1;
        long cost = d.costPicoUsd() + record.costPicoUsd();
        if (outcome instanceof Success ok) {
            return new Settlement.Done(d, new JobResult(d.jobId(), JobResult.Status.SUCCEEDED, substrate, ok.result(),
                    ok.executionTimeMs(), cost, attempt, null, Instant.now()), record);
        }
        Failure f = (Failure) outcome;
        String error = substrate + ": " + f.message();
        LOG.debug("job {} attempt {} on {}: {} {}", d.jobId(), attempt, substrate, f.kind(), f.message());
        switch (f.kind()) {
            case JOB_ERROR:
                return new Settlement.Done(d, JobResult.failed(d.jobId(), substrate, attempt, cost, error), record);
            case THROTTLED:
                return pushBack(d, settings.retry().throttleDelay(d.throttles() + 1), record);
            default:
                List<String> errors = new ArrayList<>(d.errors());
                errors.add(error);
                if (attempt >= settings.retry().maxAttempts()) {
                    return new Settlement.Dead(d, JobResult.failed(d.jobId(), substrate, attempt, cost,
                            "failed " + attempt + " attempts; last: " + error), errors, record);
                }
                Set<String> avoid = new LinkedHashSet<>(d.avoid());
                avoid.add(substrate);
                // Fail over at once when another substrate can take it; else back off.
                Selection next = selector.select(d.job(), avoid);
                boolean elsewhere = !d.job().pinned() && !next.ranked().isEmpty()
                        && !avoid.contains(next.ranked().get(0).name());
                Duration delay = elsewhere ? Duration.ZERO : settings.retry().backoff(attempt);
                return new Settlement.Retry(d, delay, true, error, avoid, record);
        }
    }

    /** Back-pressure: run again later without burning an attempt, unless pushed back too often. */
    private Settlement pushBack(Delivery d, Duration delay, ExecutionRecord record) {
        if (d.throttles() + 1 > settings.retry().maxThrottles()) {
            String error = "pushed back " + (d.throttles() + 1) + " times (throttled, or no substrate free)";
            List<String> errors = new ArrayList<>(d.errors());
            errors.add(error);
            long cost = d.costPicoUsd() + (record == null ? 0 : record.costPicoUsd());
            return new Settlement.Dead(d, JobResult.failed(d.jobId(), record == null ? null : record.substrate(),
                    d.attempts(), cost, error), errors, record);
        }
        return new Settlement.Retry(d, delay, false, null, d.avoid(), record);
    }

    private void settle(Settlement s) {
        unsettled.add(s);
        if (writing.compareAndSet(false, true)) {
            writeSettlements();
        }
    }

    /**
     * Writes pending settlements, a batch at a time, until none are left. A write that completes
     * at once (the in-memory queue) is followed in this loop; one that completes later continues
     * from its completion, on whatever thread completes it.
     */
    private void writeSettlements() {
        while (true) {
            List<Settlement> batch = new ArrayList<>();
            for (Settlement s; batch.size() < SETTLE_BATCH && (s = unsettled.poll()) != null; ) {
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
                        writeSettlements();
                    }
                });
                return;
            }
            if (!written(batch, write.isCompletedExceptionally() ? exceptionOf(write) : null, t0)) {
                return;
            }
        }
    }

    /**
     * Accounts for a stored batch, or schedules it again after a backoff while the dispatcher
     * runs. A batch dropped at shutdown is not lost: its deliveries were never acknowledged, so
     * the queue hands them out again after their visibility timeout.
     *
     * @return true when writing may go on with the next batch
     */
    private boolean written(List<Settlement> batch, Throwable error, long startNanos) {
        if (error == null) {
            settleTimer.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
            settleSize.record(batch.size());
            int freed = 0;
            for (Settlement s : batch) {
                // An execution abandoned by an earlier run may finish late: it holds no slot now.
                if (inFlight.remove(s.delivery().handle()) != null) {
                    freed++;
                }
            }
            settled.addAndGet(batch.size());
            slots.release(freed);
            settleBackoffMs = 50;
            requestMore(); // dispatcher slots freed
            return true;
        }
        if (!settling) {
            LOG.warn("stopping with {} settlements unstored; their jobs will be delivered again", batch.size());
            writing.set(false);
            return false;
        }
        long delay = settleBackoffMs;
        settleBackoffMs = Math.min(2000, settleBackoffMs * 2);
        LOG.warn("storing {} settlements failed, retrying in {} ms: {}", batch.size(), delay, error.toString());
        timers.schedule(() -> {
            unsettled.addAll(batch); // back in line: the next write takes them again
            writing.set(false);
            if (writing.compareAndSet(false, true)) {
                writeSettlements();
            }
        }, delay, TimeUnit.MILLISECONDS);
        return false;
    }

    private static Throwable exceptionOf(CompletableFuture<?> failed) {
        try {
            failed.join();
            return null;
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            return e.getCause() == null ? e : e.getCause();
        }
    }

    // -- timers -------------------------------------------------------------------------------

    private void extendLongDeliveries() {
        long cutoff = System.nanoTime() - settings.heartbeat().toNanos();
        List<Delivery> old = new ArrayList<>();
        for (InFlight f : inFlight.values()) {
            if (f.since() < cutoff) {
                old.add(f.delivery());
            }
        }
        try {
            for (int i = 0; i < old.size(); i += 500) {
                queue.extend(old.subList(i, Math.min(old.size(), i + 500)));
            }
        } catch (RuntimeException e) {
            LOG.warn("extending {} long-running deliveries failed: {}", old.size(), e.toString());
        }
    }

    private void probeHealth() {
        try {
            selector.checkHealth(Duration.ofSeconds(3)).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("health probe round incomplete: {}", e.toString());
        }
    }

    // -- stopping -----------------------------------------------------------------------------

    /** Deliveries held now (taken, not yet settled). */
    public int inFlight() {
        return inFlight.size();
    }

    /**
     * Stops taking jobs, waits up to {@code grace} for those in flight to be settled, then stops.
     * Deliveries still unsettled are left to the queue's visibility timeout.
     */
    public synchronized void shutdown(Duration grace) throws InterruptedException {
        if (!running) {
            return;
        }
        intakeOpen = false;
        // The outstanding read ends within its wait; what it brings is dispatched and waited for.
        long readDeadline = System.nanoTime() + settings.takeWait().toNanos() + TimeUnit.SECONDS.toNanos(2);
        while (reading.get() && System.nanoTime() < readDeadline) {
            Thread.sleep(5);
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while ((!inFlight.isEmpty() || !unsettled.isEmpty() || writing.get()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        settling = false;
        timers.shutdownNow();
        running = false;
    }

    @Override
    public void close() {
        try {
            shutdown(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
