package dev.packetfs.dispatch.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.fanout.FanOutLimits;
import dev.packetfs.dispatch.fanout.FanOutProgress;
import dev.packetfs.dispatch.fanout.WindowPlan;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.ledger.LatencyHistogram;
import dev.packetfs.dispatch.ledger.SeriesBucket;
import dev.packetfs.dispatch.ledger.SeriesResolution;
import dev.packetfs.dispatch.queue.CancelOutcome;
import dev.packetfs.dispatch.queue.DeadLetter;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.JobRequeueException;
import dev.packetfs.dispatch.queue.Settlement;
import dev.packetfs.dispatch.queue.SubmitOutcome;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.ObjectVersion;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Fan-out jobs in the queue (docs/jobs.md#fan-out), run against every {@link JobQueue}, nested in
 * each queue contract test: in memory ({@code InMemoryJobQueueTest.FanOut}), on a real
 * redis-server and on a real three-node Redis Cluster. The test plays the dispatcher: it plans
 * parents and answers windows with the kernel over an object it holds, so every rule of issuing,
 * folding, merging, hedging, cancelling and budgets is the queue's own.
 */
public abstract class FanOutQueueContract {
    protected static final Duration VISIBILITY = JobQueueContract.VISIBILITY;
    static final String URL = "http://objects.example/object";
    static final byte[] OBJECT = new byte[100_003];
    /** The object's second version: the same size, every byte inverted. */
    static final byte[] OBJECT2 = new byte[OBJECT.length];

    static final ObjectVersion V1 = new ObjectVersion("\"v1\"", null, OBJECT.length);
    static final ObjectVersion V2 = new ObjectVersion("\"v2\"", null, OBJECT.length);

    static {
        new SplittableRandom(13).nextBytes(OBJECT);
        for (int i = 0; i < OBJECT.length; i++) {
            OBJECT2[i] = (byte) ~OBJECT[i];
        }
    }

    protected JobQueue queue;

    /**
     * The queue of this test, fresh and empty: made (and closed) by the queue contract this one is
     * nested in, so that no second queue reads as the same consumer.
     */
    protected abstract JobQueue queueUnderTest();

    /** Another consumer of the same jobs (a second dispatcher). */
    protected abstract JobQueue secondConsumer(JobQueue first);

    @BeforeEach
    void bind() {
        queue = queueUnderTest();
    }

    protected static ComputeJob parent(String id, Op op, long offset, long length, long windowBytes) {
        return ComputeJob.of(
                        id,
                        new Program(
                                op,
                                op == Op.CRC32C || op == Op.FNV64 ? 0 : 77,
                                URL,
                                null,
                                offset,
                                length,
                                OptionalLong.empty()))
                .withWindowBytes(windowBytes);
    }

    protected static FanOutLimits limits(ComputeJob parent, int outstanding) {
        return new FanOutLimits(outstanding, -1, 0, parent.program().op() == Op.FNV64, null);
    }

    /** Takes the parent's delivery and plans it. */
    protected void plan(ComputeJob parent, FanOutLimits limits) throws InterruptedException {
        queue.intake().submit(parent);
        Delivery d = take(queue, x -> x.jobId().equals(parent.jobId()));
        queue.delivery().settle(List.of(new Settlement.Planned(d, WindowPlan.of(parent, OBJECT.length), limits)));
    }

    /** Takes deliveries until one matches (others taken meanwhile fail the test). */
    Delivery take(JobQueue q, Predicate<Delivery> wanted) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until) {
            for (Delivery d : q.delivery().take(1, Duration.ofMillis(100))) {
                if (wanted.test(d)) {
                    return d;
                }
                throw new AssertionError("unexpected delivery " + d.jobId());
            }
        }
        throw new AssertionError("no delivery came");
    }

    static ExecutionRecord record(Delivery d, String substrate, String failure, long cost, long bytes) {
        return new ExecutionRecord(d.jobId(), substrate, failure, 3, cost, bytes, Instant.now());
    }

    /** Takes the parent's delivery and plans it over version {@code version} of the object. */
    protected void plan(ComputeJob parent, FanOutLimits limits, ObjectVersion version) throws InterruptedException {
        queue.intake().submit(parent);
        Delivery d = take(queue, x -> x.jobId().equals(parent.jobId()));
        queue.delivery()
                .settle(List.of(new Settlement.Planned(d, WindowPlan.of(parent, OBJECT.length, version), limits)));
    }

    /** The window's answer, computed here as a substrate would, from the version its program pins. */
    protected static Settlement answer(Delivery d, String substrate, long cost) {
        ObjectVersion v = d.job().program().version();
        KernelResult r =
                Kernel.execute(d.job().program(), v != null && V2.etag().equals(v.etag()) ? OBJECT2 : OBJECT);
        JobResult result = new JobResult(
                d.jobId(),
                JobResult.Status.SUCCEEDED,
                substrate,
                r.toJson(),
                1,
                cost,
                d.attempts() + 1,
                null,
                Instant.now());
        return new Settlement.Done(d, result, record(d, substrate, null, cost, r.bytesProcessed()));
    }

    /**
     * Answers every window delivered until the parent's result is stored (a merge in Redis runs
     * when its entry is taken, so taking goes on until then); returns the result and how many
     * windows were delivered at most at once.
     */
    protected record Run(JobResult result, int mostAtOnce, int windowsRun) {}

    protected Run runToEnd(String parentId, int batch) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int most = 0;
        int run = 0;
        while (System.nanoTime() < until) {
            var done = queue.records().result(parentId);
            if (done.isPresent()) {
                return new Run(done.get(), most, run);
            }
            List<Delivery> got = queue.delivery().take(batch, Duration.ofMillis(50));
            most = Math.max(most, got.size());
            run += got.size();
            queue.delivery().settle(got.stream().map(d -> answer(d, "local", 5)).toList());
        }
        throw new AssertionError("the parent did not finish: " + queue.records().status(parentId));
    }

    protected static KernelResult singlePass(ComputeJob parent) {
        return Kernel.execute(parent.program(), OBJECT);
    }

    @Test
    void everyOpMergesToTheSinglePassAnswer() throws Exception {
        for (Op op : Op.values()) {
            for (long[] window :
                    new long[][] {{0, Program.TO_END, 10_000}, {777, 60_001, 7_001}, {99_000, 5_000, 333}}) {
                ComputeJob parent = parent("p-" + op.wireName() + "-" + window[0], op, window[0], window[1], window[2]);
                plan(parent, limits(parent, 4));
                Run run = runToEnd(parent.jobId(), 16);
                JobResult r = run.result();
                assertEquals(JobResult.Status.SUCCEEDED, r.status(), r.error());
                assertEquals(singlePass(parent), KernelResult.fromJson(op, r.result()), parent.jobId());
                WindowPlan plan = WindowPlan.of(parent, OBJECT.length);
                assertEquals(plan.windows(), r.summary().get("windows").asLong());
                assertEquals(plan.windows(), run.windowsRun(), "each window ran once");
                assertEquals(5 * plan.windows(), r.costPicoUsd(), "every window's cost is the parent's");
                assertEquals(
                        plan.bytes(),
                        r.summary()
                                .path("substrates")
                                .path("local")
                                .path("bytes")
                                .asLong());
                assertTrue(
                        run.mostAtOnce() <= (op == Op.FNV64 ? 1 : 4),
                        op + " had " + run.mostAtOnce() + " windows out at once");
            }
        }
    }

    @Test
    void progressIsShownWhileItRuns() throws Exception {
        ComputeJob parent = parent("progress", Op.CRC32C, 0, Program.TO_END, 10_000);
        plan(parent, limits(parent, 3));
        FanOutProgress p = queue.records().status("progress").orElseThrow().fanOut();
        assertNotNull(p, "a planned parent shows its progress");
        assertEquals("running", queue.records().status("progress").orElseThrow().state());
        assertEquals(11, p.windows());
        assertEquals(3, p.issued());
        assertEquals(0, p.done());
        List<Delivery> first = new ArrayList<>();
        while (first.size() < 3) {
            first.addAll(queue.delivery().take(3, Duration.ofMillis(100)));
        }
        queue.delivery().settle(List.of(answer(first.get(0), "flyio", 1_000)));
        p = queue.records().status("progress").orElseThrow().fanOut();
        assertEquals(1, p.done());
        assertEquals(10_000, p.bytesDone());
        assertEquals(1_000, p.costPicoUsd());
        assertEquals(
                new FanOutProgress.Share(1, 10_000, 1_000, 1), p.substrates().get("flyio"));
        assertEquals(4, p.issued(), "one more window queued as one finished");
        assertEquals(
                List.of("progress"),
                queue.books().fanOuts(10).stream().map(FanOutProgress::parentId).toList());
        queue.delivery()
                .settle(first.subList(1, 3).stream()
                        .map(d -> answer(d, "local", 0))
                        .toList());
        JobResult r = runToEnd("progress", 8).result();
        assertEquals(singlePass(parent), KernelResult.fromJson(Op.CRC32C, r.result()));
        assertTrue(queue.books().fanOuts(10).isEmpty(), "a finished parent is not in progress");
        assertNull(queue.records().status("progress").orElseThrow().fanOut());
    }

    @Test
    void aWindowAnsweredTwiceCountsOnceAndTheSecondIsOnlyCharged() throws Exception {
        ComputeJob parent = parent("twice", Op.ADD, 0, 30_000, 10_000);
        plan(parent, limits(parent, 3));
        Delivery late = take(queue, d -> d.job().window().index() == 0);
        assertTrue(queue.delivery().hedgeAsync(late, "flyio", 0.0).join(), "a late window is hedged");
        assertFalse(queue.delivery().hedgeAsync(late, "flyio", 0.0).join(), "once");
        List<Delivery> rest = new ArrayList<>();
        Delivery hedge = null;
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((hedge == null || rest.size() < 2) && System.nanoTime() < until) {
            for (Delivery d : queue.delivery().take(4, Duration.ofMillis(100))) {
                if (d.job().window().hedge()) {
                    hedge = d;
                } else {
                    rest.add(d);
                }
            }
        }
        assertNotNull(hedge, "the hedge was delivered");
        assertEquals("twice~w0~h", hedge.jobId());
        assertEquals(Set.of("flyio"), hedge.avoid(), "it avoids the substrate it was late on");
        queue.delivery().settle(List.of(answer(hedge, "cloudflare", 7)));
        queue.delivery().settle(List.of(answer(late, "flyio", 11)));
        FanOutProgress p = queue.records().status("twice").orElseThrow().fanOut();
        assertEquals(1, p.done(), "window 0 counted once");
        assertEquals(1, p.hedges());
        assertEquals(1, p.hedgesWon());
        assertEquals(18, p.costPicoUsd(), "both runs are charged");
        assertEquals(1, p.substrates().get("cloudflare").windows(), "the first answer is the one kept");
        queue.delivery().settle(rest.stream().map(d -> answer(d, "local", 0)).toList());
        JobResult r = runToEnd("twice", 4).result();
        assertEquals(singlePass(parent), KernelResult.fromJson(Op.ADD, r.result()));
        assertEquals(18, r.costPicoUsd());
    }

    @Test
    void aHedgeOfAnAnsweredWindowNeverRuns() throws Exception {
        ComputeJob parent = parent("no-late-hedge", Op.XOR, 0, 20_000, 10_000);
        plan(parent, limits(parent, 2));
        Delivery w0 = take(queue, d -> d.job().window().index() == 0);
        assertTrue(queue.delivery().hedgeAsync(w0, "local", 0.0).join());
        queue.delivery().settle(List.of(answer(w0, "local", 0)));
        Set<String> delivered = new HashSet<>();
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (queue.records().result("no-late-hedge").isEmpty() && System.nanoTime() < until) {
            List<Delivery> got = queue.delivery().take(4, Duration.ofMillis(100));
            got.forEach(d -> delivered.add(d.jobId()));
            queue.delivery().settle(got.stream().map(d -> answer(d, "local", 0)).toList());
        }
        assertFalse(delivered.contains("no-late-hedge~w0~h"), "dropped when taken: " + delivered);
        assertTrue(queue.records().result("no-late-hedge").orElseThrow().succeeded());
    }

    @Test
    void hedgesWaitUntilMostWindowsAreDone() throws Exception {
        ComputeJob parent = parent("fraction", Op.CRC32C, 0, 40_000, 10_000);
        plan(parent, limits(parent, 4));
        List<Delivery> all = new ArrayList<>();
        while (all.size() < 4) {
            all.addAll(queue.delivery().take(4, Duration.ofMillis(100)));
        }
        assertFalse(queue.delivery().hedgeAsync(all.get(3), "local", 0.5).join(), "none of 4 done: no hedge at 50%");
        queue.delivery()
                .settle(all.subList(0, 2).stream()
                        .map(d -> answer(d, "local", 0))
                        .toList());
        assertTrue(queue.delivery().hedgeAsync(all.get(3), "local", 0.5).join(), "2 of 4 done: hedged");
    }

    @Test
    void aWindowThatFailsForGoodFailsItsParentNamingIt() throws Exception {
        ComputeJob parent = parent("fails", Op.COUNTEQ, 0, 30_000, 10_000);
        plan(parent, limits(parent, 3));
        Delivery w1 = take(queue, d -> d.job().window().index() == 0);
        JobResult failed = JobResult.failed(w1.jobId(), "local", 1, 3, "local: data_url: 404");
        queue.delivery().settle(List.of(new Settlement.Done(w1, failed, record(w1, "local", "JOB_ERROR", 3, 0))));
        JobResult r = awaitResult("fails");
        assertEquals(JobResult.Status.FAILED, r.status());
        assertEquals("window 0 (bytes 0..9999) failed: local: data_url: 404", r.error());
        assertEquals(3, r.costPicoUsd());
        assertEquals("failed", r.summary().get("state").asText());
        assertTrue(queue.books().fanOuts(10).isEmpty());
    }

    @Test
    void aDeadWindowFailsItsParentAndItsDeadLetterCannotBeRequeued() throws Exception {
        ComputeJob parent = parent("dies", Op.COUNTEQ, 0, 20_000, 10_000);
        plan(parent, limits(parent, 2));
        Delivery w = windows(2).get(1);
        queue.delivery()
                .settle(List.of(new Settlement.Dead(
                        w,
                        JobResult.failed(w.jobId(), "flyio", 3, 0, "failed 3 attempts; last: x"),
                        List.of("a", "b", "x"),
                        record(w, "flyio", "RETRYABLE", 0, 0))));
        JobResult r = awaitResult("dies");
        assertTrue(r.error().startsWith("window 1 (bytes 10000..19999) failed: failed 3 attempts"), r.error());
        DeadLetter letter = queue.deadLetters().newest(10).get(0);
        assertEquals("dies~w1", letter.jobId());
        JobRequeueException e = assertThrows(
                JobRequeueException.class, () -> queue.deadLetters().requeue(letter.id()));
        assertFalse(e.missing());
        assertTrue(e.getMessage().contains("window of fan-out job dies"), e.getMessage());
    }

    @Test
    void aCancelledParentStartsNoMoreWindows() throws Exception {
        ComputeJob parent = parent("cancel-me", Op.CRC32C, 0, Program.TO_END, 10_000);
        plan(parent, limits(parent, 4));
        Delivery running = take(queue, d -> d.job().window().index() == 0);
        assertEquals(CancelOutcome.CANCELLING, queue.intake().cancel("cancel-me"));
        JobResult r = awaitResult("cancel-me");
        assertEquals("cancelled (DELETE /jobs/cancel-me) after 0 of 11 windows", r.error());
        queue.delivery().settle(List.of(answer(running, "local", 9)));
        assertTrue(
                queue.delivery().take(10, Duration.ofMillis(300)).isEmpty(), "queued windows are dropped when taken");
        assertEquals(CancelOutcome.FINISHED, queue.intake().cancel("cancel-me"));
        assertEquals(0, queue.books().depth().ready() + queue.books().depth().inFlight());
    }

    @Test
    void aBudgetStopsTheParentBeforeItIsPassed() throws Exception {
        ComputeJob parent = parent("budget", Op.CRC32C, 0, Program.TO_END, 10_000); // 11 windows
        // 100 per window, 450 at most: 4 windows fit.
        plan(parent, new FanOutLimits(8, 450, 100, false, null));
        int ran = 0;
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (queue.records().result("budget").isEmpty() && System.nanoTime() < until) {
            List<Delivery> got = queue.delivery().take(8, Duration.ofMillis(100));
            ran += got.size();
            queue.delivery()
                    .settle(got.stream().map(d -> answer(d, "lambda", 100)).toList());
        }
        JobResult r = queue.records().result("budget").orElseThrow();
        assertEquals(4, ran);
        assertEquals(400, r.costPicoUsd());
        assertEquals(
                "stopped by max_cost_usd 0.00000000045: 0.0000000004 USD spent on 4 of 11 windows, and the next"
                        + " would pass it",
                r.error());
    }

    @Test
    void aWindowTakenOverAfterItsDispatcherDiedIsFoldedOnce() throws Exception {
        ComputeJob parent = parent("takeover", Op.ADD, 0, 20_000, 10_000);
        plan(parent, limits(parent, 2));
        List<Delivery> lost = new ArrayList<>();
        while (lost.size() < 2) {
            lost.addAll(queue.delivery().take(2, Duration.ofMillis(100)));
        }
        // The first consumer "dies": the second takes the windows over after the visibility timeout.
        JobQueue second = secondConsumer(queue);
        List<Delivery> again = new ArrayList<>();
        long until = System.nanoTime() + VISIBILITY.multipliedBy(4).toNanos();
        while (again.size() < 2 && System.nanoTime() < until) {
            again.addAll(second.delivery().take(2, Duration.ofMillis(200)));
        }
        assertEquals(2, again.size(), "both windows taken over");
        second.delivery().settle(again.stream().map(d -> answer(d, "local", 1)).toList());
        queue.delivery().settle(lost.stream().map(d -> answer(d, "local", 1)).toList()); // the "dead" one settles late
        JobResult r = awaitResult("takeover");
        assertEquals(singlePass(parent), KernelResult.fromJson(Op.ADD, r.result()));
        FanOutProgress none = queue.records().status("takeover").orElseThrow().fanOut();
        assertNull(none);
    }

    @Test
    void aParentBeingPlannedCanBeCancelledAndIsThenNotPlanned() throws Exception {
        ComputeJob parent = parent("planning", Op.CRC32C, 0, Program.TO_END, 10_000);
        queue.intake().submit(parent);
        Delivery d = take(queue, x -> x.jobId().equals("planning"));
        queue.delivery().planning(d, true).join();
        assertEquals(
                "planning", queue.records().status("planning").orElseThrow().state());
        assertEquals(CancelOutcome.CANCELLED, queue.intake().cancel("planning"));
        queue.delivery()
                .settle(List.of(new Settlement.Planned(d, WindowPlan.of(parent, OBJECT.length), limits(parent, 4))));
        assertEquals("failed", queue.records().status("planning").orElseThrow().state());
        assertTrue(queue.books().fanOuts(10).isEmpty());
        assertTrue(queue.delivery().take(10, Duration.ofMillis(300)).isEmpty(), "no window was queued");
    }

    @Test
    void aQueuedJobCanBeCancelledButNotARunningOne() throws Exception {
        queue.intake().submit(Jobs.crc("waiting", "abc"));
        assertEquals(CancelOutcome.CANCELLED, queue.intake().cancel("waiting"));
        assertEquals(
                "cancelled (DELETE /jobs/waiting) before it ran",
                queue.records().result("waiting").orElseThrow().error());
        assertTrue(queue.delivery().take(5, Duration.ofMillis(300)).isEmpty(), "its entry is dropped");
        queue.intake().submit(Jobs.crc("busy", "abc"));
        Delivery d = take(queue, x -> x.jobId().equals("busy"));
        assertEquals(CancelOutcome.RUNNING, queue.intake().cancel("busy"));
        queue.delivery().settle(List.of(JobQueueContract.done(d)));
        assertEquals(CancelOutcome.FINISHED, queue.intake().cancel("busy"));
        assertEquals(CancelOutcome.UNKNOWN, queue.intake().cancel("never"));
    }

    @Test
    void aDeadLetterIsListedAndCanBeRequeued() throws Exception {
        queue.intake().submit(Jobs.crc("poison", "abc"));
        Delivery d = take(queue, x -> true);
        queue.delivery()
                .settle(List.of(new Settlement.Dead(
                        d,
                        JobResult.failed("poison", "flyio", 3, 0, "failed 3 attempts; last: boom"),
                        List.of("one", "two", "boom"),
                        record(d, "flyio", "RETRYABLE", 0, 0))));
        List<DeadLetter> letters = queue.deadLetters().newest(10);
        assertEquals(1, letters.size());
        DeadLetter l = letters.get(0);
        assertEquals("poison", l.jobId());
        assertEquals("crc32c", l.op());
        assertEquals(3, l.attempts());
        assertEquals(List.of("one", "two", "boom"), l.errors());
        assertEquals(SubmitOutcome.class, queue.deadLetters().requeue(l.id()).getClass());
        assertTrue(queue.deadLetters().newest(10).isEmpty(), "the dead letter is gone");
        assertEquals("queued", queue.records().status("poison").orElseThrow().state(), "the failed result is gone");
        Delivery again = take(queue, x -> x.jobId().equals("poison"));
        assertEquals(0, again.attempts(), "every attempt ahead of it");
        queue.delivery().settle(List.of(JobQueueContract.done(again)));
        assertTrue(queue.records().result("poison").orElseThrow().succeeded());
        JobRequeueException missing = assertThrows(
                JobRequeueException.class, () -> queue.deadLetters().requeue(l.id()));
        assertTrue(missing.missing());
        assertTrue(assertThrows(
                        JobRequeueException.class, () -> queue.deadLetters().requeue("0-1"))
                .missing());
    }

    @Test
    void executionsAreCountedInTheSeries() throws Exception {
        for (int i = 0; i < 3; i++) {
            queue.intake().submit(Jobs.crc("s" + i, "abc"));
        }
        List<Delivery> got = new ArrayList<>();
        while (got.size() < 3) {
            got.addAll(queue.delivery().take(3, Duration.ofMillis(100)));
        }
        List<Settlement> settlements = new ArrayList<>();
        settlements.add(new Settlement.Done(
                got.get(0),
                JobResult.failed("s0", "flyio", 1, 7, "x"),
                new ExecutionRecord("s0", "flyio", "JOB_ERROR", 12, 7, 0, Instant.now())));
        for (Delivery d : got.subList(1, 3)) {
            settlements.add(new Settlement.Done(
                    d,
                    new JobResult(
                            d.jobId(),
                            JobResult.Status.SUCCEEDED,
                            "flyio",
                            Kernel.execute(d.job().program()).toJson(),
                            1,
                            5,
                            1,
                            null,
                            Instant.now()),
                    new ExecutionRecord(d.jobId(), "flyio", null, 40, 5, 3, Instant.now())));
        }
        queue.delivery().settle(settlements);
        long now = Instant.now().getEpochSecond();
        for (SeriesResolution res : SeriesResolution.values()) {
            Map<String, SeriesBucket> total = new TreeMap<>();
            queue.books()
                    .series(res, res.period(now) - 2, res.period(now))
                    .values()
                    .forEach(m -> m.forEach((k, v) ->
                            total.computeIfAbsent(k, x -> new SeriesBucket()).add(v)));
            SeriesBucket b = total.get("flyio");
            assertNotNull(b, res + ": " + total);
            assertEquals(3, b.executions);
            assertEquals(2, b.successes);
            assertEquals(1, b.failures);
            assertEquals(17, b.costPicoUsd);
            assertEquals(6, b.bytes);
            assertEquals(92, b.latencyMsSum);
            assertEquals(2, b.latency[LatencyHistogram.bucket(40)]);
            assertEquals(1, b.latency[LatencyHistogram.bucket(12)]);
        }
    }

    /** The first {@code n} windows delivered, by index. */
    // -- one version of the object (docs/jobs.md#one-version-of-the-object) ------------------------

    /** A window that found its object changed, as the dispatcher settles it. */
    static Settlement changed(Delivery d, String found) {
        String error = "local: data_url: " + URL + " is no longer the version the program pins: it answered ETag "
                + found + " where the program pins ETag "
                + d.job().program().version().etag();
        return new Settlement.Done(
                d,
                JobResult.failed(d.jobId(), "local", d.attempts() + 1, 2, error),
                record(d, "local", "OBJECT_CHANGED", 2, 0),
                true);
    }

    static FanOutLimits restarting(ComputeJob parent, int outstanding, int maxRestarts) {
        return new FanOutLimits(outstanding, -1, 0, parent.program().op() == Op.FNV64, null, maxRestarts);
    }

    /**
     * Plans {@code parent} over V1 with {@code outstanding} windows out, lets window {@code found}
     * of them find the object changed, and takes the parent's restart.
     */
    Delivery changedOnce(ComputeJob parent, int outstanding, int maxRestarts, int found) throws InterruptedException {
        plan(parent, restarting(parent, outstanding, maxRestarts), V1);
        queue.delivery().settle(List.of(changed(windows(outstanding).get(found), "\"v2\"")));
        return take(queue, d -> d.jobId().equals(parent.jobId()));
    }

    @Test
    void aPlanPinsTheVersionAndEveryWindowReadsIt() throws Exception {
        ComputeJob parent = parent("pinned", Op.CRC32C, 0, Program.TO_END, 10_000);
        plan(parent, limits(parent, 3), V1);
        FanOutProgress p = queue.records().status("pinned").orElseThrow().fanOut();
        assertEquals(V1, p.version());
        assertEquals("verified", p.toJson().get("consistency").asText());
        assertEquals(
                "{\"etag\":\"\\\"v1\\\"\",\"size\":100003}",
                p.toJson().get("version").toString());
        for (Delivery w : windows(3)) {
            assertEquals(V1, w.job().program().version(), w.jobId());
            queue.delivery().settle(List.of(answer(w, "local", 1)));
        }
        JobResult r = runToEnd("pinned", 8).result();
        assertEquals(singlePass(parent), KernelResult.fromJson(Op.CRC32C, r.result()));
        assertEquals("verified", r.summary().get("consistency").asText());
        assertEquals("\"v1\"", r.summary().get("version").get("etag").asText());
        assertEquals(0, r.summary().get("restarts").asInt());
    }

    @Test
    void aPlanWithoutAValidatorSaysItsConsistencyIsUnverified() throws Exception {
        ComputeJob sized = parent("size-only", Op.ADD, 0, 30_000, 10_000);
        plan(sized, limits(sized, 3), new ObjectVersion(null, null, OBJECT.length));
        JobResult r = runToEnd("size-only", 4).result();
        assertTrue(r.succeeded());
        assertEquals("unverified", r.summary().get("consistency").asText());
        assertEquals(OBJECT.length, r.summary().get("version").get("size").asLong());
        ComputeJob none = parent("no-version", Op.ADD, 0, 30_000, 10_000);
        plan(none, limits(none, 3), null);
        r = runToEnd("no-version", 4).result();
        assertEquals("unverified", r.summary().get("consistency").asText());
        assertFalse(r.summary().has("version"));
    }

    @Test
    void aWindowThatFindsTheObjectChangedFailsTheParentAndNothingIsMerged() throws Exception {
        ComputeJob parent = parent("changed", Op.CRC32C, 0, Program.TO_END, 10_000); // 11 windows
        plan(parent, limits(parent, 4), V1);
        List<Delivery> out = windows(4);
        queue.delivery().settle(List.of(answer(out.get(0), "local", 1), answer(out.get(1), "local", 1)));
        queue.delivery().settle(List.of(changed(out.get(2), "\"v2\"")));
        JobResult r = awaitResult("changed");
        assertEquals(JobResult.Status.FAILED, r.status());
        assertNull(r.result(), "nothing merged is stored");
        assertTrue(
                r.error()
                        .startsWith("the object changed while the job ran: the plan read ETag \"v1\", 100003 bytes;"
                                + " window 2 (bytes 20000..29999) found: local: data_url: "),
                r.error());
        assertTrue(
                r.error()
                        .contains("it answered ETag \"v2\" where the program pins ETag \"v1\"; 2 of 11 windows had been"
                                + " read, and nothing was merged; submit it again, or with \"on_change\": \"restart\""),
                r.error());
        assertEquals("failed", r.summary().get("state").asText());
        assertEquals(4, r.costPicoUsd(), "what its windows cost");
        queue.delivery().settle(List.of(answer(out.get(3), "local", 1))); // still running when it failed: ignored
        assertEquals(r, queue.records().result("changed").orElseThrow());
        assertTrue(queue.books().fanOuts(10).isEmpty());
    }

    @Test
    void aHedgeThatFindsTheObjectChangedLeavesItToItsWindow() throws Exception {
        ComputeJob parent = parent("hedge-changed", Op.XOR, 0, 20_000, 10_000);
        plan(parent, limits(parent, 2), V1);
        List<Delivery> out = windows(2);
        assertTrue(queue.delivery().hedgeAsync(out.get(0), "flyio", 0.0).join());
        Delivery hedge = take(queue, d -> d.job().window().hedge());
        assertEquals(V1, hedge.job().program().version(), "a hedge reads the plan's version too");
        queue.delivery().settle(List.of(changed(hedge, "\"v2\"")));
        assertEquals(
                "running",
                queue.records().status("hedge-changed").orElseThrow().fanOut().state());
        queue.delivery().settle(out.stream().map(d -> answer(d, "local", 0)).toList());
        JobResult r = awaitResult("hedge-changed");
        assertTrue(r.succeeded(), "the window read version 1 before the change: " + r.error());
        assertEquals(singlePass(parent), KernelResult.fromJson(Op.XOR, r.result()));
    }

    /**
     * {@code "on_change": "restart"}: the parent is planned again against the new version; windows
     * of the old plan (running, queued, answered late) count for nothing, and the answer is the new
     * version's, whole.
     */
    @ParameterizedTest
    @EnumSource(
            value = Op.class,
            names = {"CRC32C", "FNV64"})
    void onChangeRestartPlansAgainAndAnswersForTheNewVersionWhole(Op op) throws Exception {
        String id = "restart-" + op.wireName();
        ComputeJob parent = parent(id, op, 0, Program.TO_END, 10_000).withRestartOnChange(true);
        plan(parent, restarting(parent, 4, 2), V1);
        int out = op == Op.FNV64 ? 1 : 4;
        List<Delivery> first = windows(out);
        queue.delivery().settle(List.of(answer(first.get(0), "flyio", 10))); // version 1, kept until the change
        Delivery next = windows(1).get(0);
        queue.delivery().settle(List.of(changed(next, "\"v2\"")));
        FanOutProgress restarting = queue.records().status(id).orElseThrow().fanOut();
        assertEquals("restarting", restarting.state());
        assertEquals(1, restarting.restarts());
        assertEquals(0, restarting.done(), "the old plan's answers are forgotten");
        assertFalse(queue.delivery().hedgeAsync(next, "local", 0.0).join(), "no hedge of the old plan");

        Delivery again = take(queue, d -> d.jobId().equals(id));
        assertEquals(1, again.restarts(), "the parent comes back to be planned again");
        assertTrue(again.job().restartOnChange());
        for (Delivery stale : first.subList(1, first.size())) {
            queue.delivery().settle(List.of(answer(stale, "local", 3))); // old plan, answered late: charged only
        }
        queue.delivery()
                .settle(List.of(new Settlement.Planned(
                        again, WindowPlan.of(parent, OBJECT.length, V2), restarting(parent, 4, 2))));
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Set<String> ran = new HashSet<>();
        while (queue.records().result(id).isEmpty() && System.nanoTime() < until) {
            List<Delivery> got = queue.delivery().take(8, Duration.ofMillis(50));
            for (Delivery d : got) {
                ran.add(d.jobId());
                assertTrue(d.jobId().startsWith(id + "~r1~w"), "only the new plan's windows run: " + d.jobId());
                assertEquals(V2, d.job().program().version());
            }
            queue.delivery().settle(got.stream().map(d -> answer(d, "local", 1)).toList());
        }
        JobResult r = queue.records().result(id).orElseThrow();
        assertEquals(JobResult.Status.SUCCEEDED, r.status(), r.error());
        assertEquals(
                Kernel.execute(parent.program(), OBJECT2), KernelResult.fromJson(op, r.result()), "version 2, whole");
        assertEquals(11, ran.size());
        assertEquals(1, r.summary().get("restarts").asInt());
        assertEquals("\"v2\"", r.summary().get("version").get("etag").asText());
        assertEquals(
                11, r.summary().get("substrates").path("local").path("windows").asLong());
        assertFalse(
                r.summary().get("substrates").path("flyio").has("windows")
                        && r.summary()
                                        .get("substrates")
                                        .path("flyio")
                                        .get("windows")
                                        .asLong()
                                > 0,
                "the old plan's answer is not counted");
        long staleCost = 3L * (first.size() - 1);
        assertEquals(10 + 2 + staleCost + 11, r.costPicoUsd(), "everything it ran is its cost, the old plan's too");
        assertTrue(queue.books().fanOuts(10).isEmpty());
    }

    @Test
    void restartsAreBoundedAndThenTheParentFails() throws Exception {
        ComputeJob parent = parent("bounded", Op.ADD, 0, 40_000, 10_000).withRestartOnChange(true);
        Delivery again = changedOnce(parent, 2, 1, 0);
        queue.delivery()
                .settle(List.of(new Settlement.Planned(
                        again, WindowPlan.of(parent, OBJECT.length, V2), restarting(parent, 2, 1))));
        List<Delivery> second = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (second.size() < 2 && System.nanoTime() < until) {
            for (Delivery d : queue.delivery().take(4, Duration.ofMillis(100))) {
                if (d.jobId().contains("~r1~")) {
                    second.add(d);
                }
            }
        }
        queue.delivery().settle(List.of(changed(second.get(0), "\"v3\"")));
        JobResult r = awaitResult("bounded");
        assertEquals(JobResult.Status.FAILED, r.status());
        assertTrue(r.error().contains("the plan read ETag \"v2\""), r.error());
        assertTrue(
                r.error()
                        .endsWith("it was planned again 1 times already, the most its on_change allows"
                                + " (packetfs.fanout.max-restarts)"),
                r.error());
        assertEquals(1, r.summary().get("restarts").asInt());
    }

    @Test
    void aRestartWhoseNewVersionCannotBePlannedFailsWithTheReason() throws Exception {
        ComputeJob parent = parent("unplannable", Op.CRC32C, 0, 30_000, 10_000).withRestartOnChange(true);
        Delivery again = changedOnce(parent, 3, 3, 1);
        queue.delivery()
                .settle(List.of(new Settlement.Unplannable(
                        again,
                        "the object changed while the job ran, and its new version"
                                + " cannot be planned: it would run as one job (its origin serves no byte ranges)")));
        JobResult r = awaitResult("unplannable");
        assertEquals(JobResult.Status.FAILED, r.status());
        assertTrue(r.error().endsWith("its origin serves no byte ranges)"), r.error());
        assertEquals(2, r.costPicoUsd(), "what it spent before is kept");
        assertTrue(queue.books().fanOuts(10).isEmpty());
    }

    @Test
    void aParentWaitingToBePlannedAgainCanBeCancelled() throws Exception {
        ComputeJob parent =
                parent("cancel-restart", Op.CRC32C, 0, 30_000, 10_000).withRestartOnChange(true);
        plan(parent, restarting(parent, 3, 3), V1);
        queue.delivery().settle(List.of(changed(windows(3).get(0), "\"v2\"")));
        assertEquals(CancelOutcome.CANCELLING, queue.intake().cancel("cancel-restart"));
        JobResult r = awaitResult("cancel-restart");
        assertTrue(r.error().startsWith("cancelled (DELETE /jobs/cancel-restart)"), r.error());
        assertTrue(queue.delivery().take(10, Duration.ofMillis(300)).isEmpty(), "its restart is dropped when taken");
        assertEquals(r, queue.records().result("cancel-restart").orElseThrow());
    }

    List<Delivery> windows(int n) throws InterruptedException {
        List<Delivery> got = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (got.size() < n && System.nanoTime() < until) {
            got.addAll(queue.delivery().take(n - got.size(), Duration.ofMillis(100)));
        }
        assertEquals(n, got.size());
        got.sort(Comparator.comparingLong(d -> d.job().window().index()));
        return got;
    }

    JobResult awaitResult(String id) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until) {
            var r = queue.records().result(id);
            if (r.isPresent()) {
                return r.get();
            }
            // A merge entry is handled when it is taken; nothing else is expected here.
            for (Delivery d : queue.delivery().take(10, Duration.ofMillis(50))) {
                queue.delivery().settle(List.of(answer(d, "local", 0)));
            }
        }
        throw new AssertionError("no result for " + id + ": " + queue.records().status(id));
    }

    static ObjectNode json(String text) {
        return (ObjectNode) JobJson.readTree(text);
    }
}
