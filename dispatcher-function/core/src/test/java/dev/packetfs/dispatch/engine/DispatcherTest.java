package dev.packetfs.dispatch.engine;

import static dev.packetfs.dispatch.testing.ScriptedSubstrate.Act.BAD_INPUT;
import static dev.packetfs.dispatch.testing.ScriptedSubstrate.Act.FAIL;
import static dev.packetfs.dispatch.testing.ScriptedSubstrate.Act.RUN;
import static dev.packetfs.dispatch.testing.ScriptedSubstrate.Act.THROTTLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.testing.ScriptedSubstrate;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dispatch loop over the in-memory queue, with substrates scripted to misbehave. */
class DispatcherTest {
    /** crc32c over inline text, so every result is easy to check by recomputing. */
    private static ComputeJob crc(String jobId, String text) {
        return ComputeJob.of(jobId, Program.over(Op.CRC32C, 0, text.getBytes(StandardCharsets.UTF_8)));
    }

    static final RetryPolicy FAST_RETRY =
            new RetryPolicy(3, Duration.ofMillis(10), 2, 0.5, Duration.ofMillis(100), Duration.ofMillis(10), 100);
    static final PriceList PRICES = new PriceList(Map.of("paid", Map.of("requests", new BigDecimal("0.0000002"))));

    Dispatcher dispatcher;
    JobQueue queue;

    Dispatcher start(SubstrateAdapter... substrates) {
        queue = new InMemoryJobQueue(QueueSettings.defaults());
        DispatchSettings settings = DispatchSettings.defaults()
                .withRetry(FAST_RETRY)
                .withTakeWait(Duration.ofMillis(100))
                .withUnavailableDelay(Duration.ofMillis(20));
        dispatcher = new Dispatcher(
                queue.delivery(),
                new SubstrateSelector(List.of(substrates), ScoringPolicy.defaults(), PRICES),
                new CostLedger(PRICES, new SimpleMeterRegistry()),
                settings,
                new SimpleMeterRegistry());
        dispatcher.start();
        return dispatcher;
    }

    @AfterEach
    void stop() {
        dispatcher.close();
    }

    JobResult await(String jobId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            var r = queue.records().result(jobId);
            if (r.isPresent()) {
                return r.get();
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no result for " + jobId);
    }

    @Test
    void runsJobsAndStoresTheKernelsResults() throws Exception {
        start(ScriptedSubstrate.always("local", RUN));
        List<ComputeJob> jobs = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            jobs.add(crc("job-" + i, "payload " + i));
        }
        queue.intake().submit(jobs);
        for (ComputeJob job : jobs) {
            JobResult r = await(job.jobId());
            assertEquals(JobResult.Status.SUCCEEDED, r.status());
            assertEquals(
                    Kernel.execute(job.program()).value(),
                    r.result().get("checksum").asLong());
            assertEquals(1, r.attempts());
            assertEquals("local", r.substrate());
        }
        assertEquals(500, queue.books().ledger().totals().get("local").successes());
    }

    @Test
    void aPoisonJobIsDeadLetteredAfterItsLastAttempt() throws Exception {
        start(ScriptedSubstrate.always("local", FAIL));
        queue.intake().submit(crc("poison", "x"));
        JobResult r = await("poison");
        assertEquals(JobResult.Status.FAILED, r.status());
        assertEquals(3, r.attempts());
        assertTrue(r.error().startsWith("failed 3 attempts; last: local: HTTP 503"), r.error());
        assertEquals(1, queue.books().depth().dead());
        assertEquals(3, queue.books().ledger().totals().get("local").failures());
    }

    @Test
    void aFailingSubstrateFailsOverToTheNextBest() throws Exception {
        // "flaky" scores best (faster) but always fails; "local" is the next best.
        ScriptedSubstrate flaky =
                new ScriptedSubstrate("flaky", 0, Duration.ofNanos(1), (j, n) -> FAIL, Duration.ZERO, BilledUnits.NONE);
        ScriptedSubstrate local =
                new ScriptedSubstrate("local", 0, Duration.ofMillis(5), (j, n) -> RUN, Duration.ZERO, BilledUnits.NONE);
        start(flaky, local);
        queue.intake().submit(crc("first", "x"));
        JobResult r = await("first");
        assertEquals(JobResult.Status.SUCCEEDED, r.status());
        assertEquals("local", r.substrate());
        assertEquals(2, r.attempts(), "one failed attempt on flaky, then local");
        // Enough failures open flaky's breaker (and its failure rate sinks its score): traffic moves.
        for (int i = 0; i < 100; i++) {
            queue.intake().submit(crc("more-" + i, "x" + i));
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(JobResult.Status.SUCCEEDED, await("more-" + i).status());
        }
        assertTrue(flaky.executions.get() < 30, "flaky kept getting traffic: " + flaky.executions.get());
    }

    @Test
    void throttlingIsBackPressureAndBurnsNoAttempt() throws Exception {
        // Throttled five times, then served; with max 3 attempts it still succeeds on attempt 1.
        start(new ScriptedSubstrate(
                "local", 0, Duration.ofMillis(1), (j, n) -> n <= 5 ? THROTTLE : RUN, Duration.ZERO, BilledUnits.NONE));
        queue.intake().submit(crc("busy", "x"));
        JobResult r = await("busy");
        assertEquals(JobResult.Status.SUCCEEDED, r.status());
        assertEquals(1, r.attempts());
        assertEquals(5, queue.books().ledger().totals().get("local").throttled());
        assertEquals(0, queue.books().ledger().totals().get("local").failures());
    }

    @Test
    void aBadJobFailsAtOnceWithoutRetries() throws Exception {
        ScriptedSubstrate local = ScriptedSubstrate.always("local", BAD_INPUT);
        start(local);
        queue.intake().submit(crc("bad", "x"));
        JobResult r = await("bad");
        assertEquals(JobResult.Status.FAILED, r.status());
        assertEquals("local: HTTP 400: bad", r.error());
        assertEquals(1, local.callsFor("bad"));
    }

    @Test
    void aJobNoSubstrateCanRunFailsWithTheReason() throws Exception {
        start(ScriptedSubstrate.always("local", RUN));
        ComputeJob gpu = new ComputeJob("gpu", crc("x", "y").program(), null, null, true, false, "auto", null, false);
        queue.intake().submit(gpu);
        assertEquals(
                "no substrate can run this job: local has no GPU", await("gpu").error());
        queue.intake().submit(crc("pinned", "x").withSubstrate("lambda"));
        assertTrue(await("pinned").error().contains("substrate 'lambda' is not configured here"));
    }

    @Test
    void aBusySubstrateMakesJobsWaitForASlotNotRetry() throws Exception {
        ScriptedSubstrate narrow = new ScriptedSubstrate(
                "local", 0, Duration.ofMillis(1), (j, n) -> RUN, Duration.ofMillis(10), BilledUnits.NONE, 2);
        start(narrow);
        for (int i = 0; i < 60; i++) {
            queue.intake().submit(crc("w-" + i, "x" + i));
        }
        for (int i = 0; i < 60; i++) {
            assertEquals(1, await("w-" + i).attempts());
        }
        assertEquals(2, narrow.mostAtOnce.get(), "never more than its concurrency");
        assertEquals(60, narrow.executions.get(), "no job pushed back and re-run");
        assertEquals(0, queue.books().ledger().totals().get("local").throttled());
    }

    @Test
    void thousandsWaitingForABusySubstrateRunWithoutDeepRecursion() throws Exception {
        // "wide" has room, so intake takes thousands of jobs; they are pinned to "narrow", whose
        // one slot a slow job holds. When it frees, each waiting job completes synchronously and
        // its completion starts the next: that must not nest one call per waiting job.
        ScriptedSubstrate wide = new ScriptedSubstrate(
                "wide", 0, Duration.ofMillis(1), (j, n) -> RUN, Duration.ZERO, BilledUnits.NONE, 10_000);
        ScriptedSubstrate narrow =
                new ScriptedSubstrate(
                        "narrow", 0, Duration.ofMillis(1), (j, n) -> RUN, Duration.ZERO, BilledUnits.NONE, 1) {
                    @Override
                    public CompletionStage<ExecutionOutcome> execute(ExecutionRequest request) {
                        CompletionStage<ExecutionOutcome> outcome = super.execute(request);
                        return request.jobId().startsWith("slow")
                                ? outcome.thenCompose(o -> CompletableFuture.supplyAsync(
                                        () -> o, CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS)))
                                : outcome;
                    }
                };
        start(wide, narrow);
        queue.intake().submit(crc("slow-0", "s").withSubstrate("narrow"));
        Thread.sleep(100);
        List<ComputeJob> jobs = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            jobs.add(crc("quick-" + i, "q" + i).withSubstrate("narrow"));
        }
        queue.intake().submit(jobs);
        for (ComputeJob job : jobs) {
            assertEquals(JobResult.Status.SUCCEEDED, await(job.jobId()).status(), job.jobId());
        }
        assertEquals(0, wide.executions.get());
    }

    @Test
    void aSlowSubstrateLosesTraffic() throws Exception {
        ScriptedSubstrate slow = new ScriptedSubstrate(
                "slow", 0, Duration.ofMillis(1), (j, n) -> RUN, Duration.ofMillis(40), BilledUnits.NONE);
        ScriptedSubstrate fast =
                new ScriptedSubstrate("fast", 0, Duration.ofMillis(5), (j, n) -> RUN, Duration.ZERO, BilledUnits.NONE);
        start(slow, fast);
        for (int i = 0; i < 200; i++) {
            queue.intake().submit(crc("s-" + i, "x" + i));
            await("s-" + i);
        }
        assertTrue(fast.executions.get() > 150, "slow " + slow.executions.get() + ", fast " + fast.executions.get());
    }

    @Test
    void everyExecutionIsChargedToTheSubstrateThatRanIt() throws Exception {
        ScriptedSubstrate paid = new ScriptedSubstrate(
                "paid",
                0,
                Duration.ofNanos(1),
                (j, n) -> n == 1 ? FAIL : RUN,
                Duration.ZERO,
                BilledUnits.of("requests", 1));
        start(paid);
        queue.intake().submit(crc("charged", "x"));
        JobResult r = await("charged");
        assertEquals(2, r.attempts());
        assertEquals(400_000, r.costPicoUsd(), "two requests at $0.0000002");
        assertEquals(400_000, queue.books().ledger().totals().get("paid").costPicoUsd());
    }
}
