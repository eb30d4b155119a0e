package dev.packetfs.dispatch.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.ledger.LedgerSnapshot;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.QueueDepth;
import dev.packetfs.dispatch.queue.QueueFullException;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.queue.Settlement;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The queue contract, run against every {@link JobQueue}: in memory ({@code InMemoryJobQueueTest})
 * and on a real redis-server ({@code RedisStreamJobQueueIT}). Each test says one rule.
 */
public abstract class JobQueueContract {
    protected static final Duration VISIBILITY = Duration.ofMillis(1500);
    protected static final QueueSettings SETTINGS =
            QueueSettings.defaults().withVisibilityTimeout(VISIBILITY).withMetricsKept(5);

    protected JobQueue queue;

    /** A fresh, empty queue for one test. */
    protected abstract JobQueue newQueue(QueueSettings settings);

    /** Another consumer of the same jobs (a second dispatcher). */
    protected abstract JobQueue secondConsumer(JobQueue first);

    @BeforeEach
    void open() {
        queue = newQueue(SETTINGS);
    }

    @AfterEach
    void closeQueue() {
        queue.close();
    }

    /** Takes until n deliveries came or most of a visibility timeout passed (then redelivery would begin). */
    protected List<Delivery> takeAtLeast(JobQueue q, int n) throws InterruptedException {
        List<Delivery> all = new ArrayList<>();
        long deadline =
                System.nanoTime() + VISIBILITY.multipliedBy(2).dividedBy(3).toNanos();
        while (all.size() < n && System.nanoTime() < deadline) {
            all.addAll(q.delivery().take(n - all.size(), Duration.ofMillis(200)));
        }
        return all;
    }

    protected static Settlement done(Delivery d) {
        JobResult r = new JobResult(
                d.jobId(),
                JobResult.Status.SUCCEEDED,
                "local",
                Kernel.execute(d.job().program()).toJson(),
                1,
                0,
                d.attempts() + 1,
                null,
                Instant.now());
        return new Settlement.Done(d, r, record(d, null));
    }

    protected static ExecutionRecord record(Delivery d, String failure) {
        return new ExecutionRecord(d.jobId(), "local", failure, 1, 5, 9, Instant.now());
    }

    @Test
    void aSubmittedJobIsDeliveredAndItsResultStored() throws Exception {
        ComputeJob job = Jobs.crc("j1", "123456789");
        assertTrue(queue.intake().submit(job).queued());
        assertEquals("queued", queue.records().status("j1").orElseThrow().state());
        List<Delivery> taken = takeAtLeast(queue, 1);
        assertEquals(1, taken.size());
        assertEquals("j1", taken.get(0).jobId());
        assertEquals(0, taken.get(0).attempts());
        assertEquals("running", queue.records().status("j1").orElseThrow().state());
        queue.delivery().settle(List.of(done(taken.get(0))));
        JobResult r = queue.records().result("j1").orElseThrow();
        assertEquals(3808858755L, r.result().get("checksum").asLong());
        assertEquals("succeeded", queue.records().status("j1").orElseThrow().state());
        assertTrue(queue.delivery().take(10, Duration.ofMillis(100)).isEmpty());
    }

    @Test
    void aStoredResultCanBeCorrectedButNotCreated() throws Exception {
        queue.intake().submit(Jobs.crc("to-correct", "123456789"));
        queue.delivery().settle(List.of(done(takeAtLeast(queue, 1).get(0))));
        JobResult stored = queue.records().result("to-correct").orElseThrow();
        JobResult corrected = new JobResult(
                "to-correct",
                JobResult.Status.SUCCEEDED,
                "local",
                stored.result().deepCopy().put("checksum", 1L),
                1,
                0,
                stored.attempts() + 1,
                null,
                Instant.now());
        queue.records().correctResult(corrected);
        assertEquals(
                1L,
                queue.records()
                        .result("to-correct")
                        .orElseThrow()
                        .result()
                        .get("checksum")
                        .asLong());
        assertEquals(
                stored.attempts() + 1,
                queue.records().result("to-correct").orElseThrow().attempts());
        queue.records()
                .correctResult(new JobResult(
                        "never-stored",
                        JobResult.Status.SUCCEEDED,
                        "local",
                        stored.result(),
                        1,
                        0,
                        1,
                        null,
                        Instant.now()));
        assertTrue(queue.records().result("never-stored").isEmpty(), "a correction stores nothing new");
    }

    @Test
    void aJobIdIsQueuedOnceHoweverOftenItIsSubmitted() throws Exception {
        assertTrue(queue.intake().submit(Jobs.crc("same", "a")).queued());
        assertFalse(queue.intake().submit(Jobs.crc("same", "b")).queued());
        List<Delivery> taken = takeAtLeast(queue, 1);
        queue.delivery().settle(List.of(done(taken.get(0))));
        assertFalse(queue.intake().submit(Jobs.crc("same", "c")).queued(), "known after it finished, too");
        assertTrue(queue.delivery().take(10, Duration.ofMillis(200)).isEmpty());
        assertEquals(
                Kernel.execute(Jobs.crc("x", "a").program()).value(),
                queue.records()
                        .result("same")
                        .orElseThrow()
                        .result()
                        .get("checksum")
                        .asLong());
    }

    @Test
    void rawJobsArriveLikeLpushedOnes() throws Exception {
        queue.intake().pushRaw(Jobs.crcJson("raw-1", "MTIzNDU2Nzg5"));
        queue.intake().pushRaw("{\"program\":{\"op\":\"add\",\"data\":\"AQID\"}}");
        List<Delivery> taken = takeAtLeast(queue, 2);
        assertEquals(2, taken.size());
        assertEquals("raw-1", taken.get(0).jobId(), "oldest first");
        assertFalse(taken.get(1).jobId().isEmpty(), "a missing job_id is assigned");
        queue.delivery().settle(taken.stream().map(JobQueueContract::done).toList());
        assertEquals(
                3808858755L,
                queue.records()
                        .result("raw-1")
                        .orElseThrow()
                        .result()
                        .get("checksum")
                        .asLong());
    }

    @Test
    void aRawJobSubmittedTwiceRunsOnce() throws Exception {
        queue.intake().pushRaw(Jobs.crcJson("twice", "AAAA"));
        queue.intake().pushRaw(Jobs.crcJson("twice", "AAAA"));
        List<Delivery> taken = takeAtLeast(queue, 2);
        assertEquals(1, taken.size(), "the second submission is recognised as a duplicate");
        queue.delivery().settle(List.of(done(taken.get(0))));
        assertTrue(queue.delivery().take(10, Duration.ofMillis(200)).isEmpty());
    }

    @Test
    void anInvalidRawJobFailsWithTheReasonOrIsDeadLettered() throws Exception {
        queue.intake().pushRaw("{\"job_id\":\"bad-op\",\"program\":{\"op\":\"sha1\",\"data\":\"AA==\"}}");
        queue.intake().pushRaw("this is not json");
        assertTrue(takeAtLeast(queue, 1).isEmpty(), "nothing runnable");
        JobResult r = queue.records().result("bad-op").orElseThrow();
        assertEquals(JobResult.Status.FAILED, r.status());
        assertTrue(r.error().contains("program.op: unknown op 'sha1'"), r.error());
        assertEquals(1, queue.books().depth().dead(), "the job with no id can only be dead-lettered");
    }

    @Test
    void aDeliveryNobodySettlesIsDeliveredAgainAfterTheVisibilityTimeout() throws Exception {
        queue.intake().submit(Jobs.crc("lost", "x"));
        Delivery first = takeAtLeast(queue, 1).get(0);
        JobQueue other = secondConsumer(queue);
        try {
            // Nothing for the other consumer while the first still holds it ...
            assertTrue(other.delivery().take(1, Duration.ofMillis(100)).isEmpty());
            // ... and everything once its visibility has lapsed.
            Delivery again =
                    other.delivery().take(1, VISIBILITY.multipliedBy(3)).get(0);
            assertEquals("lost", again.jobId());
            assertEquals(first.token(), again.token(), "the same submission, so not a duplicate");
            other.delivery().settle(List.of(done(again)));
            queue.delivery().settle(List.of(done(first))); // the first consumer finishing late changes nothing
            assertEquals(1, queue.books().ledger().totals().get("local").executions());
        } finally {
            other.close();
        }
    }

    @Test
    void extendingADeliveryKeepsItFromOthers() throws Exception {
        queue.intake().submit(Jobs.crc("long", "x"));
        Delivery d = takeAtLeast(queue, 1).get(0);
        JobQueue other = secondConsumer(queue);
        try {
            long until = System.nanoTime() + VISIBILITY.multipliedBy(3).toNanos();
            while (System.nanoTime() < until) {
                queue.delivery().extend(List.of(d));
                assertTrue(other.delivery().take(1, VISIBILITY.dividedBy(4)).isEmpty());
            }
            queue.delivery().settle(List.of(done(d)));
        } finally {
            other.close();
        }
    }

    @Test
    void settlingTwiceStoresOneResultAndOneRecord() throws Exception {
        queue.intake().submit(Jobs.crc("twice-settled", "x"));
        Delivery d = takeAtLeast(queue, 1).get(0);
        Settlement s = done(d);
        queue.delivery().settle(List.of(s));
        queue.delivery().settle(List.of(s));
        assertEquals(1, queue.books().ledger().totals().get("local").executions());
        assertEquals(1, queue.books().ledger().recent().size());
    }

    @Test
    void aRetryComesBackAfterItsDelayWithItsHistory() throws Exception {
        queue.intake().submit(Jobs.crc("flaky", "x"));
        Delivery d = takeAtLeast(queue, 1).get(0);
        queue.delivery()
                .settle(List.of(new Settlement.Retry(
                        d, Duration.ofMillis(300), true, "boom", Set.of("lambda"), record(d, "RETRYABLE"))));
        assertEquals("retrying", queue.records().status("flaky").orElseThrow().state());
        assertEquals(1, queue.books().depth().delayed());
        long start = System.nanoTime();
        Delivery again = takeAtLeast(queue, 1).get(0);
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(250).toNanos(), "not before its delay");
        assertEquals(1, again.attempts());
        assertEquals(List.of("boom"), again.errors());
        assertEquals(Set.of("lambda"), again.avoid());
        assertEquals(5, again.costPicoUsd(), "the failed attempt's cost is carried");
        assertEquals(d.token(), again.token());

        // Throttling is back-pressure: it burns no attempt.
        queue.delivery()
                .settle(List.of(new Settlement.Retry(
                        again, Duration.ofMillis(50), false, null, Set.of(), record(again, "THROTTLED"))));
        Delivery third = takeAtLeast(queue, 1).get(0);
        assertEquals(1, third.attempts());
        assertEquals(1, third.throttles());
        queue.delivery().settle(List.of(done(third)));
        assertEquals(1, queue.books().ledger().totals().get("local").throttled());
        assertEquals(1, queue.books().ledger().totals().get("local").failures());
        assertEquals(1, queue.books().ledger().totals().get("local").successes());
    }

    @Test
    void aDeadLetterKeepsTheJobAndStoresAFailedResult() throws Exception {
        queue.intake().submit(Jobs.crc("poison", "x"));
        Delivery d = takeAtLeast(queue, 1).get(0);
        JobResult failed = JobResult.failed("poison", "local", 3, 15, "boom three times");
        queue.delivery()
                .settle(List.of(new Settlement.Dead(
                        d, failed, List.of("boom", "boom", "boom three times"), record(d, "RETRYABLE"))));
        assertEquals(
                JobResult.Status.FAILED,
                queue.records().result("poison").orElseThrow().status());
        assertEquals(
                "boom three times",
                queue.records().result("poison").orElseThrow().error());
        assertEquals(1, queue.books().depth().dead());
        assertTrue(queue.delivery().take(5, Duration.ofMillis(200)).isEmpty());
    }

    @Test
    void executionRecordsAreBoundedButTotalsAreExact() throws Exception {
        for (int i = 0; i < 12; i++) {
            queue.intake().submit(Jobs.crc("r" + i, "x" + i));
        }
        List<Delivery> taken = takeAtLeast(queue, 12);
        queue.delivery().settle(taken.stream().map(JobQueueContract::done).toList());
        LedgerSnapshot ledger = queue.books().ledger();
        assertEquals(5, ledger.recent().size());
        assertEquals(12, ledger.totals().get("local").executions());
        assertEquals(60, ledger.totals().get("local").costPicoUsd());
        assertEquals(108, ledger.totals().get("local").bytes());
    }

    @Test
    void depthSaysWhereTheWorkIs() throws Exception {
        for (int i = 0; i < 3; i++) {
            queue.intake().submit(Jobs.crc("d" + i, "x"));
        }
        List<Delivery> one = takeAtLeast(queue, 1);
        QueueDepth depth = queue.books().depth();
        assertEquals(2, depth.ready());
        assertEquals(1, depth.inFlight());
        queue.delivery().settle(List.of(done(one.get(0))));
        assertEquals(0, queue.books().depth().inFlight());
        assertNotNull(queue.records().result("d0").orElse(null));
    }

    private static ComputeJob inline(String id, int bytes) {
        return ComputeJob.of(id, Program.over(Op.ADD, 0, new byte[bytes]));
    }

    @Test
    void aSubmissionPastTheJobQuotaIsRefusedWholeAndTheQueueTakesWorkAgainOnceItDrains() throws Exception {
        JobQueue small = newQueue(SETTINGS.withQuota(4, 1L << 30, 100));
        try {
            small.intake().submit(List.of(Jobs.crc("q0", "a"), Jobs.crc("q1", "b"), Jobs.crc("q2", "c")));
            assertThrows(
                    QueueFullException.class,
                    () -> small.intake().submit(List.of(Jobs.crc("q3", "d"), Jobs.crc("q4", "e"))));
            assertTrue(
                    small.records().status("q3").isEmpty()
                            && small.records().status("q4").isEmpty(),
                    "nothing of the refused batch");
            assertTrue(small.intake().submit(Jobs.crc("q0", "a")).jobId().equals("q0"), "a known job takes no room");
            small.intake().submit(Jobs.crc("q3", "d"));
            List<Delivery> taken = takeAtLeast(small, 4);
            assertEquals(4, taken.size(), "running jobs still count");
            assertThrows(QueueFullException.class, () -> small.intake().submit(Jobs.crc("q4", "e")));
            small.delivery().settle(taken.stream().map(JobQueueContract::done).toList());
            assertTrue(small.intake().submit(Jobs.crc("q4", "e")).queued(), "finished jobs free their room");
        } finally {
            small.close();
        }
    }

    @Test
    void aSubmissionPastTheByteQuotaIsRefusedAndFinishedJobsReleaseTheirBytes() throws Exception {
        JobQueue small = newQueue(SETTINGS.withQuota(1000, 3000, 100));
        try {
            small.intake().submit(inline("b0", 900)); // 1,200 base64 characters and a little JSON
            small.intake().submit(inline("b1", 900));
            QueueFullException full =
                    assertThrows(QueueFullException.class, () -> small.intake().submit(inline("b2", 900)));
            assertTrue(full.getMessage().contains("packetfs.queue.max-bytes"), full.getMessage());
            List<Delivery> taken = takeAtLeast(small, 2);
            small.delivery().settle(List.of(done(taken.get(0))));
            assertTrue(small.intake().submit(inline("b2", 900)).queued(), "the finished job's bytes were released");
            // A retry stays queued and keeps its bytes; a dead letter releases them.
            Delivery second = taken.get(1);
            small.delivery()
                    .settle(List.of(new Settlement.Retry(
                            second, Duration.ZERO, true, "boom", Set.of(), record(second, "RETRYABLE"))));
            assertThrows(QueueFullException.class, () -> small.intake().submit(inline("b3", 900)));
            small.delivery().promoteDueRetries();
            List<Delivery> again = takeAtLeast(small, 2);
            for (Delivery d : again) {
                small.delivery()
                        .settle(List.of(new Settlement.Dead(
                                d,
                                JobResult.failed(d.jobId(), "local", 3, 0, "dead"),
                                List.of("dead"),
                                record(d, "RETRYABLE"))));
            }
            small.intake().submit(inline("b3", 900));
            small.intake().submit(inline("b4", 900));
        } finally {
            small.close();
        }
    }

    @Test
    void deadLettersAreBounded() throws Exception {
        JobQueue small = newQueue(SETTINGS.withQuota(1000, 1L << 30, 3));
        try {
            for (int i = 0; i < 8; i++) {
                small.intake().submit(Jobs.crc("dl" + i, "x"));
            }
            for (Delivery d : takeAtLeast(small, 8)) {
                small.delivery()
                        .settle(List.of(new Settlement.Dead(
                                d,
                                JobResult.failed(d.jobId(), "local", 3, 0, "dead"),
                                List.of("dead"),
                                record(d, "RETRYABLE"))));
            }
            assertEquals(3, small.books().depth().dead(), "the newest three are kept");
            assertEquals(
                    JobResult.Status.FAILED,
                    small.records().result("dl0").orElseThrow().status(),
                    "results stay");
        } finally {
            small.close();
        }
    }
}
