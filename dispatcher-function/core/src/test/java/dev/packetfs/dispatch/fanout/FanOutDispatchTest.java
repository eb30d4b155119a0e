package dev.packetfs.dispatch.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.engine.DispatchSettings;
import dev.packetfs.dispatch.engine.Dispatcher;
import dev.packetfs.dispatch.engine.RetryPolicy;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.ledger.CostLedger;
import dev.packetfs.dispatch.ledger.PriceList;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.queue.memory.InMemoryJobQueue;
import dev.packetfs.dispatch.select.ScoringPolicy;
import dev.packetfs.dispatch.select.SubstrateSelector;
import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionRequest;
import dev.packetfs.dispatch.substrate.HealthReport;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.SubstrateCapability;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.protocol.fetch.FetchException;
import dev.packetfs.protocol.fetch.ObjectSize;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher's side of fan-out over the in-memory queue: planning from what a probe learns,
 * refusals with their reasons, and hedging a late window. The substrates here read windows from
 * an object in memory; the same over real origins, workers and Redis is FanOutIT's.
 */
class FanOutDispatchTest {
    static final String URL = "http://objects.example/big";
    static final byte[] OBJECT = new byte[1_000_003];
    static final PriceList PRICES = new PriceList(Map.of("paid", Map.of("requests", new BigDecimal("0.000001"))));

    static {
        new SplittableRandom(5).nextBytes(OBJECT);
    }

    Dispatcher dispatcher;
    JobQueue queue;

    /** Runs windows over {@link #OBJECT}, each answered after {@code delayMs(window index)}. */
    static class ObjectSubstrate implements SubstrateAdapter {
        final SubstrateCapability capability;
        final ToLongFunction<ComputeJob> delayMs;
        final BilledUnits billed;
        final AtomicInteger executions = new AtomicInteger();
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

        ObjectSubstrate(String name, int slots, ToLongFunction<ComputeJob> delayMs, BilledUnits billed) {
            this.capability =
                    new SubstrateCapability(name, 0, Duration.ofMillis(1), 1024, 60_000, false, false, slots, true);
            this.delayMs = delayMs;
            this.billed = billed;
        }

        @Override
        public SubstrateCapability capability() {
            return capability;
        }

        @Override
        public BilledUnits estimate(ComputeJob job) {
            return billed;
        }

        @Override
        public CompletionStage<ExecutionOutcome> execute(ExecutionRequest request) {
            executions.incrementAndGet();
            calls.computeIfAbsent(request.jobId(), k -> new AtomicInteger()).incrementAndGet();
            KernelResult r = Kernel.execute(request.job().program(), OBJECT);
            ExecutionOutcome ok =
                    new ExecutionOutcome.Success(r.toJson(), r.bytesProcessed(), 0, billed, capability.name());
            return CompletableFuture.supplyAsync(
                    () -> ok,
                    CompletableFuture.delayedExecutor(delayMs.applyAsLong(request.job()), TimeUnit.MILLISECONDS));
        }

        @Override
        public CompletionStage<HealthReport> health() {
            return CompletableFuture.completedFuture(HealthReport.up());
        }
    }

    void start(ObjectProbe probe, FanOutSettings fanOut, SubstrateAdapter... substrates) {
        queue = new InMemoryJobQueue(QueueSettings.defaults());
        SubstrateSelector selector = new SubstrateSelector(List.of(substrates), ScoringPolicy.defaults(), PRICES);
        DispatchSettings settings = DispatchSettings.defaults()
                .withTakeWait(Duration.ofMillis(100))
                .withRetry(new RetryPolicy(
                        3, Duration.ofMillis(10), 2, 0.5, Duration.ofMillis(50), Duration.ofMillis(10), 100));
        dispatcher = new Dispatcher(
                queue.delivery(),
                selector,
                new CostLedger(PRICES, new SimpleMeterRegistry()),
                settings,
                new SimpleMeterRegistry(),
                new FanOutPlanner(probe, Executors.newCachedThreadPool(), selector, fanOut));
        dispatcher.start();
    }

    static ObjectProbe sized(long bytes, boolean ranges) {
        return (url, timeout) -> new ObjectSize(bytes, ranges);
    }

    @AfterEach
    void stop() throws InterruptedException {
        dispatcher.shutdown(Duration.ofMillis(200)); // a late window's loser may still be running
    }

    static ComputeJob job(String id, Op op, long windowBytes) {
        return ComputeJob.of(id, new Program(op, 3, URL, null, 0, Program.TO_END, OptionalLong.empty()))
                .withWindowBytes(windowBytes);
    }

    JobResult await(String id, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            var r = queue.records().result(id);
            if (r.isPresent()) {
                return r.get();
            }
            Thread.sleep(5);
        }
        throw new AssertionError(
                "no result for " + id + " in " + within + ": " + queue.records().status(id));
    }

    @Test
    void aJobIsCutRunOnEverySubstrateAndMergedToTheSinglePass() throws Exception {
        ObjectSubstrate a = new ObjectSubstrate("a", 3, j -> 2, BilledUnits.NONE);
        ObjectSubstrate b = new ObjectSubstrate("b", 3, j -> 2, BilledUnits.NONE);
        start(sized(OBJECT.length, true), FanOutSettings.defaults().withMaxOutstanding(8), a, b);
        for (Op op : Op.values()) {
            ComputeJob job = job("cut-" + op.wireName(), op, 65_536);
            queue.intake().submit(job);
            JobResult r = await(job.jobId(), Duration.ofSeconds(30));
            assertEquals(JobResult.Status.SUCCEEDED, r.status(), r.error());
            assertEquals(Kernel.execute(job.program(), OBJECT), KernelResult.fromJson(op, r.result()), op.wireName());
            assertEquals(16, r.summary().get("windows").asLong());
        }
        assertTrue(
                a.executions.get() > 0 && b.executions.get() > 0,
                "both substrates ran windows: " + a.executions + " " + b.executions);
    }

    @Test
    void aJobWhoseOriginServesNoRangesRunsAsOne() throws Exception {
        ObjectSubstrate a = new ObjectSubstrate("a", 4, j -> 0, BilledUnits.NONE);
        start(sized(OBJECT.length, false), FanOutSettings.defaults(), a);
        queue.intake().submit(job("whole", Op.CRC32C, 1000));
        JobResult r = await("whole", Duration.ofSeconds(10));
        assertEquals(
                Kernel.execute(job("x", Op.CRC32C, 1).program(), OBJECT), KernelResult.fromJson(Op.CRC32C, r.result()));
        assertEquals(1, a.executions.get());
        assertEquals(null, r.summary());
        assertEquals(1, a.calls.get("whole").get(), "the job itself ran, not a window");
    }

    /**
     * A job planned again after its object changed, whose new version its origin no longer serves
     * in ranges, ends with that reason, and what it ran before is its cost.
     */
    @Test
    void aRestartWhoseNewVersionCannotBeCutIntoWindowsFailsSayingWhy() throws Exception {
        AtomicInteger probes = new AtomicInteger();
        ObjectProbe probe = (url, timeout) -> probes.incrementAndGet() == 1
                ? new ObjectSize(OBJECT.length, true, "\"v1\"", null)
                : new ObjectSize(OBJECT.length, false, "\"v2\"", null);
        SubstrateAdapter changing = new ObjectSubstrate("paid", 8, j -> 0, BilledUnits.of("requests", 1)) {
            @Override
            public CompletionStage<ExecutionOutcome> execute(ExecutionRequest request) {
                if (request.job().window().index() < 2) {
                    return super.execute(request);
                }
                return CompletableFuture.completedFuture(new ExecutionOutcome.Failure(
                        ExecutionOutcome.FailureKind.OBJECT_CHANGED,
                        "it answered ETag \"v2\" where the program pins ETag \"v1\"",
                        0,
                        BilledUnits.of("requests", 1)));
            }
        };
        start(
                probe,
                FanOutSettings.defaults()
                        .withHedging(false, 4, Duration.ZERO, 1)
                        .withMaxRestarts(2),
                changing);
        queue.intake().submit(job("replanned", Op.CRC32C, 100_000).withRestartOnChange(true));
        JobResult r = await("replanned", Duration.ofSeconds(10));
        assertEquals(JobResult.Status.FAILED, r.status());
        assertEquals(
                "the object changed while the job ran, and its new version cannot be planned: it would run as one job"
                        + " (its origin serves no byte ranges)",
                r.error());
        assertEquals(2, probes.get(), "probed once per plan");
        assertEquals(1, r.summary().get("restarts").asInt());
        assertTrue(r.costPicoUsd() > 0, "what the first plan ran is the job's cost");
    }

    @Test
    void plansThatCannotBeMadeAreRefusedWithTheReason() throws Exception {
        ObjectSubstrate paid = new ObjectSubstrate("paid", 4, j -> 0, BilledUnits.of("requests", 1));
        start(
                sized(OBJECT.length, true),
                new FanOutSettings(100, 8, Duration.ofSeconds(1), false, 4, Duration.ZERO, 1, 0),
                paid);
        queue.intake().submit(job("too-many", Op.ADD, 1000));
        assertEquals(
                "window_bytes: 1000 cuts its 1000003 bytes into 1001 windows; a job may have at most 100"
                        + " (packetfs.fanout.max-windows): choose window_bytes of at least 10001",
                await("too-many", Duration.ofSeconds(5)).error());
        ComputeJob budget =
                ComputeJob.of("budget", job("x", Op.ADD, 1).program()).withWindowBytes(100_000L);
        budget = new ComputeJob(
                "budget",
                budget.program(),
                null,
                null,
                false,
                false,
                "auto",
                new BigDecimal("0.000005"),
                false,
                100_000L,
                List.of(),
                null,
                false);
        queue.intake().submit(budget);
        assertEquals(
                "max_cost_usd: its 11 windows would cost about 0.000011 USD on the cheapest substrate they may run on,"
                        + " over max_cost_usd 0.000005",
                await("budget", Duration.ofSeconds(5)).error());
        queue.intake().submit(job("nowhere", Op.ADD, 100_000).withSubstrates(List.of("elsewhere")));
        assertTrue(
                await("nowhere", Duration.ofSeconds(5)).error().startsWith("no substrate can run this job's windows: "),
                "names why");
        assertEquals(0, paid.executions.get(), "nothing ran");
    }

    @Test
    void aRefusedAddressFailsAtOnceAndAFailingOriginIsRetried() throws Exception {
        ObjectSubstrate a = new ObjectSubstrate("a", 4, j -> 0, BilledUnits.NONE);
        AtomicInteger probes = new AtomicInteger();
        start(
                (url, timeout) -> {
                    probes.incrementAndGet();
                    if (url.contains("private")) {
                        throw new FetchException(
                                FetchException.Kind.ADDRESS_REFUSED,
                                "intranet resolves to 10.0.0.7, an address workers may not fetch from");
                    }
                    throw new FetchException(
                            FetchException.Kind.HTTP_STATUS, url + " answered HTTP 503 to a range request", 503, null);
                },
                FanOutSettings.defaults(),
                a);
        ComputeJob refused = ComputeJob.of(
                        "refused",
                        new Program(
                                Op.ADD, 0, "http://private.example/o", null, 0, Program.TO_END, OptionalLong.empty()))
                .withWindowBytes(10L);
        queue.intake().submit(refused);
        assertEquals(
                "planning: data_url: intranet resolves to 10.0.0.7, an address workers may not fetch from",
                await("refused", Duration.ofSeconds(5)).error());
        assertEquals(1, probes.get());
        queue.intake().submit(job("flaky", Op.ADD, 10));
        JobResult r = await("flaky", Duration.ofSeconds(10));
        assertEquals(
                "failed 3 attempts; last: planning: data_url: " + URL + " answered HTTP 503 to a range request",
                r.error());
        assertEquals(4, probes.get(), "three tries");
        assertEquals(1, queue.deadLetters().newest(10).size());
    }

    @Test
    void aLateWindowIsHedgedElsewhereAndTheFirstAnswerWins() throws Exception {
        // Window 9 takes 20 s wherever it runs first; its hedge, and every other window, a few ms.
        ToLongFunction<ComputeJob> delay = j -> j.jobId().equals("straggler~w9") ? 20_000 : 3;
        ObjectSubstrate slow = new ObjectSubstrate("slow", 4, delay, BilledUnits.NONE);
        ObjectSubstrate fast = new ObjectSubstrate("fast", 1, delay, BilledUnits.NONE);
        start(
                sized(OBJECT.length, true),
                FanOutSettings.defaults().withMaxOutstanding(16).withHedging(true, 4, Duration.ofMillis(100), 0.5),
                slow,
                fast);
        ComputeJob job = job("straggler", Op.CRC32C, 100_000);
        long t0 = System.nanoTime();
        queue.intake().submit(job);
        JobResult r = await("straggler", Duration.ofSeconds(15));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(Kernel.execute(job.program(), OBJECT), KernelResult.fromJson(Op.CRC32C, r.result()));
        assertTrue(ms < 10_000, "not held up by the late window: " + ms + " ms");
        assertTrue(r.summary().get("hedges").asLong() >= 1, r.summary().toString());
        // (Under load another window may be late too, and hedged: at least the straggler's hedge won.)
        assertTrue(r.summary().get("hedges_won").asLong() >= 1, r.summary().toString());
        assertTrue(dispatcher.hedgesQueued() >= 1);
    }
}
