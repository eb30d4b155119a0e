package dev.packetfs.dispatch.engine;

import dev.packetfs.dispatch.fanout.FanOutCoordinator;
import dev.packetfs.dispatch.fanout.FanOutPlanner;
import dev.packetfs.dispatch.ledger.CostLedger;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.JobDelivery;
import dev.packetfs.dispatch.queue.Settlement;
import dev.packetfs.dispatch.select.Selection;
import dev.packetfs.dispatch.select.SubstrateSelector;
import dev.packetfs.dispatch.select.SubstrateState;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.Failure;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.Success;
import dev.packetfs.dispatch.substrate.ExecutionRequest;
import dev.packetfs.protocol.fetch.FetchException;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatch loop: takes jobs from the queue, runs each on the best substrate that will take it,
 * and settles every delivery exactly once. What follows an execution is the
 * {@link SettlementPolicy}'s to say; the {@link SettlementWriter} stores it.
 *
 * <p>Nothing here owns a thread that waits. One read of the queue is outstanding at a time (a
 * blocking read on the server, so an idle dispatcher is woken by Redis, never by polling); its
 * completion dispatches what it brought and issues the next read. Adapters run executions
 * asynchronously. With the Redis queue all of this runs on the Redis I/O thread with no hand-off
 * between threads, which on a virtualized host is what a round trip mostly costs (BENCHMARKS.md).
 * A timer extends long deliveries and probes substrate health. At most {@code maxInFlight}
 * deliveries, and about {@code maxInFlightBytes} of job JSON, are held, and a slot frees only once
 * its settlement is stored, so a slow queue or a flood of large jobs slows intake instead of
 * growing the heap.
 *
 * <p>Why about 500 lines in one class: what is left is one state machine, the loop's. Its read,
 * its slots (count and bytes), its heartbeat and its shutdown guard the same few fields, and each
 * handler's order against the others is the point (a slot frees only after the settlement is
 * stored; a read is issued only when a slot is free). What was not the loop has left: the outcome
 * rules ({@link SettlementPolicy}), the writes ({@link SettlementWriter}), fan-out planning and
 * hedging ({@code FanOutCoordinator}).
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    /** Time past a job's own timeout before the dispatcher stops waiting on its adapter. */
    private static final Duration ADAPTER_GRACE = Duration.ofSeconds(5);

    private final JobDelivery queue;
    private final SubstrateSelector selector;
    private final CostLedger ledger;
    private final DispatchSettings settings;
    private final SettlementPolicy policy;
    private final SettlementWriter writer;
    /** Plans fan-out jobs and hedges their late windows; null: jobs with window_bytes run as one job. */
    private final FanOutCoordinator fanOut;

    private final Semaphore slots;
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
    /** Deliveries whose substrates are all busy: they wait here, in order, for a slot to free. */
    private final ConcurrentLinkedDeque<Delivery> waiting = new ConcurrentLinkedDeque<>();

    private final AtomicInteger pumpRequests = new AtomicInteger();
    private ScheduledExecutorService timers;
    private final AtomicLong taken = new AtomicLong();
    private final AtomicLong settled = new AtomicLong();
    private final Timer takeTimer;
    private final Timer dispatchTimer;
    private final DistributionSummary takeSize;
    private volatile boolean running;
    private volatile boolean intakeOpen;
    private volatile long lastWorkNanos = System.nanoTime();
    /** True while a read of the queue is outstanding; one at a time. */
    private final AtomicBoolean reading = new AtomicBoolean();

    private volatile long readBackoffMs = 100;

    /** A delivery held: since when (for extending it), and the bytes of its job. */
    private static final class InFlight {
        final Delivery delivery;
        final long since;
        final long bytes;

        InFlight(Delivery delivery, long since, long bytes) {
            this.delivery = delivery;
            this.since = since;
            this.bytes = bytes;
        }
    }

    /** Bytes of job JSON held by the deliveries in flight. */
    private final AtomicLong heldBytes = new AtomicLong();
    /**
     * What one job of the next read is expected to hold: the largest of the last read, halved each
     * read it is not met again. It starts at 1 MiB, so a first read of large jobs stays bounded.
     */
    private volatile long bytesPerJob = 1 << 20;

    /** What a bounded run did: the scheduled Lambda drain reports it. */
    public record DrainReport(long taken, long settled, long leftInFlight, Duration ran) {}

    public Dispatcher(
            JobDelivery queue,
            SubstrateSelector selector,
            CostLedger ledger,
            DispatchSettings settings,
            MeterRegistry registry) {
        this(queue, selector, ledger, settings, registry, null);
    }

    /** @param planner cuts jobs with {@code window_bytes} into windows; null: they run as one job */
    public Dispatcher(
            JobDelivery queue,
            SubstrateSelector selector,
            CostLedger ledger,
            DispatchSettings settings,
            MeterRegistry registry,
            FanOutPlanner planner) {
        this.queue = queue;
        this.selector = selector;
        this.ledger = ledger;
        this.settings = settings;
        this.policy = new SettlementPolicy(settings.retry());
        this.writer = new SettlementWriter(queue, this::stored, registry);
        this.fanOut = planner == null
                ? null
                : new FanOutCoordinator(planner, queue, new FanOutCoordinator.Loop() {
                    @Override
                    public void settle(Settlement s) {
                        writer.write(s);
                    }

                    @Override
                    public Settlement refused(Delivery d, String error) {
                        return policy.refused(d, error);
                    }

                    @Override
                    public Settlement probeFailed(Delivery d, FetchException error) {
                        return policy.probeFailed(d, error);
                    }

                    @Override
                    public void runAsOne(Delivery d) {
                        runOrWait(d);
                    }
                });
        this.slots = new Semaphore(settings.maxInFlight());
        Gauge.builder("packetfs.inflight", inFlight, Map::size).register(registry);
        this.takeTimer = Timer.builder("packetfs.queue.take")
                .description("one read of jobs from the queue")
                .register(registry);
        this.dispatchTimer = Timer.builder("packetfs.dispatch.batch")
                .description("starting every job of one read on its substrate")
                .register(registry);
        this.takeSize = DistributionSummary.builder("packetfs.queue.take.size").register(registry);
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
        heldBytes.set(0);
        waiting.clear();
        reading.set(false);
        slots.drainPermits();
        slots.release(settings.maxInFlight());
        timers = Executors.newScheduledThreadPool(1, r -> daemon(r, "packetfs-dispatch-timers"));
        writer.start(timers);
        intakeOpen = true;
        running = true;
        long beat = settings.heartbeat().toMillis();
        timers.scheduleWithFixedDelay(this::extendLongDeliveries, beat, beat, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(
                this::probeHealth, 0, settings.healthInterval().toMillis(), TimeUnit.MILLISECONDS);
        // Room can also appear without an execution ending: a substrate coming back up, a
        // volunteer browser joining. Waiting deliveries get the first look at it.
        timers.scheduleWithFixedDelay(this::roomMayHaveAppeared, 100, 100, TimeUnit.MILLISECONDS);
        if (fanOut != null) {
            fanOut.start(timers);
        }
        requestMore();
    }

    /**
     * Runs for at most {@code budget}, or until the queue has been empty for {@code idleStop},
     * then stops taking, lets what is in flight finish within {@code grace}, and returns. What
     * could not finish stays in the queue, to be redelivered after its visibility timeout.
     */
    public DrainReport drain(Duration budget, Duration idleStop, Duration grace) throws InterruptedException {
        return drain(budget, idleStop, grace, () -> true);
    }

    /**
     * As {@link #drain(Duration, Duration, Duration)}, asking {@code mayStop} each time the queue
     * has been empty for {@code idleStop}: false (a job is waiting after all) keeps it taking jobs.
     */
    public DrainReport drain(Duration budget, Duration idleStop, Duration grace, BooleanSupplier mayStop)
            throws InterruptedException {
        long begin = System.nanoTime();
        long deadline = begin + budget.toNanos();
        long takenBefore = taken.get();
        long settledBefore = settled.get();
        start();
        while (System.nanoTime() < deadline) {
            Thread.sleep(Math.min(50, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
            if (inFlight.isEmpty() && System.nanoTime() - lastWorkNanos > idleStop.toNanos()) {
                if (mayStop.getAsBoolean()) {
                    break;
                }
                lastWorkNanos = System.nanoTime();
            }
        }
        shutdown(grace);
        return new DrainReport(
                taken.get() - takenBefore,
                settled.get() - settledBefore,
                inFlight.size(),
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
        long bytesLeft = settings.maxInFlightBytes() - heldBytes.get();
        int room = bytesLeft <= 0
                ? 0
                : (int) Math.min(
                        Math.max(1, bytesLeft / bytesPerJob),
                        Math.min(Math.min(slots.availablePermits(), settings.takeBatch()), selector.freeCapacity()));
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
                long largest = 0;
                for (Delivery d : deliveries) {
                    largest = Math.max(largest, d.rawJob().length());
                }
                bytesPerJob = Math.max(1024, Math.max(largest, bytesPerJob / 2));
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
            t.schedule(
                    () -> {
                        reading.set(false);
                        requestMore();
                    },
                    delay,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            reading.set(false);
        }
    }

    private void dispatch(Delivery d) {
        long bytes = d.rawJob().length();
        heldBytes.addAndGet(bytes);
        inFlight.put(d.handle(), new InFlight(d, System.nanoTime(), bytes));
        if (fanOut != null && d.job().fansOut()) {
            fanOut.plan(d);
            return;
        }
        runOrWait(d);
    }

    private void runOrWait(Delivery d) {
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
            writer.write(policy.unsatisfiable(d, selection.unsatisfiable()));
            return true;
        }
        if (selection.unavailable() != null) {
            writer.write(policy.pushBack(d, settings.unavailableDelay(), null));
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
                ? Duration.ofMillis(d.job().maxDurationMs())
                : settings.defaultTimeout();
        long start = System.nanoTime();
        if (fanOut != null && inFlight.containsKey(d.handle())) {
            fanOut.started(d, substrate, start);
        }
        CompletableFuture<ExecutionOutcome> execution;
        try {
            execution = substrate
                    .adapter()
                    .execute(new ExecutionRequest(d.job(), timeout))
                    .toCompletableFuture();
        } catch (RuntimeException e) {
            execution = CompletableFuture.completedFuture(Failure.of(FailureKind.RETRYABLE, "adapter failed: " + e));
        }
        execution
                .orTimeout(timeout.plus(ADAPTER_GRACE).toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete(
                        (outcome, error) -> finish(d, substrate, error == null ? outcome : failure(error), start));
    }

    private static ExecutionOutcome failure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof TimeoutException
                ? Failure.of(FailureKind.RETRYABLE, "no answer in time")
                : Failure.of(FailureKind.RETRYABLE, "execution failed: " + cause);
    }

    private void finish(Delivery d, SubstrateState substrate, ExecutionOutcome outcome, long start) {
        long latency = System.nanoTime() - start;
        String name = substrate.name();
        selector.finish(substrate, outcome, latency);
        ExecutionRecord record = new ExecutionRecord(
                d.jobId(),
                name,
                outcome instanceof Failure f ? f.kind().name() : null,
                TimeUnit.NANOSECONDS.toMillis(latency),
                ledger.price(name, outcome.billed()),
                outcome instanceof Success ok ? ok.bytesProcessed() : 0,
                Instant.now());
        ledger.publish(record);
        if (outcome instanceof Failure f) {
            LOG.debug("job {} attempt {} on {}: {} {}", d.jobId(), d.attempts() + 1, name, f.kind(), f.message());
        }
        writer.write(policy.afterExecution(d, name, outcome, record, avoid -> runsElsewhere(d, avoid)));
        if (!waiting.isEmpty()) {
            pump();
        }
        requestMore(); // a substrate slot freed
    }

    /** Whether the job, avoiding these substrates, would now be sent to one it has not failed on. */
    private boolean runsElsewhere(Delivery d, Set<String> avoid) {
        if (d.job().pinned()) {
            return false;
        }
        Selection next = selector.select(d.job(), avoid);
        return !next.ranked().isEmpty() && !avoid.contains(next.ranked().get(0).name());
    }

    /** A batch of settlements is stored: their slots are free. */
    private void stored(List<Settlement> batch) {
        int freed = 0;
        for (Settlement s : batch) {
            // An execution abandoned by an earlier run may finish late: it holds no slot now.
            InFlight done = inFlight.remove(s.delivery().handle());
            if (fanOut != null) {
                fanOut.settled(s.delivery());
            }
            if (done != null) {
                freed++;
                heldBytes.addAndGet(-done.bytes);
            }
        }
        settled.addAndGet(batch.size());
        slots.release(freed);
        requestMore();
    }

    // -- timers -------------------------------------------------------------------------------

    /** Hedges this dispatcher queued since it was made. */
    public long hedgesQueued() {
        return fanOut == null ? 0 : fanOut.hedgesQueued();
    }

    private void extendLongDeliveries() {
        long cutoff = System.nanoTime() - settings.heartbeat().toNanos();
        List<Delivery> old = new ArrayList<>();
        for (InFlight f : inFlight.values()) {
            if (f.since < cutoff) {
                old.add(f.delivery);
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
        while ((!inFlight.isEmpty() || !writer.idle()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        writer.stop();
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
}
