package dev.packetfs.dispatch.queue.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.contract.FanOutCasesContract;
import dev.packetfs.dispatch.contract.FanOutQueueContract;
import dev.packetfs.dispatch.contract.JobQueueContract;
import dev.packetfs.dispatch.contract.Jobs;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.queue.QueueUnavailableException;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The queue contract, and the fan-out contract, on a real redis-server of the test's own. */
class RedisStreamJobQueueIT extends JobQueueContract {
    static RedisServer server;
    static RedisConnections redis;
    final List<JobQueue> opened = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        server = RedisServer.start();
        redis = RedisConnections.open(server.url());
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
        server.close();
    }

    @Override
    protected JobQueue newQueue(QueueSettings settings) {
        server.cli("FLUSHALL");
        return track(new RedisStreamJobQueue(redis, settings, "first"));
    }

    @Override
    protected JobQueue secondConsumer(JobQueue first) {
        return track(new RedisStreamJobQueue(redis, SETTINGS, "second"));
    }

    private JobQueue track(JobQueue q) {
        opened.add(q);
        return q;
    }

    /** A Redis that answers with an error (here: out of memory) reaches callers as the core's exception. */
    @Test
    void aRedisThatRefusesCommandsIsReportedAsUnavailable() {
        JobQueue q = newQueue(SETTINGS);
        server.cli("CONFIG", "SET", "maxmemory", "1");
        try {
            QueueUnavailableException e = assertThrows(
                    QueueUnavailableException.class, () -> q.intake().submit(Jobs.crc("refused", "123456789")));
            assertTrue(e.getMessage().contains("OOM"), e.getMessage());
        } finally {
            server.cli("CONFIG", "SET", "maxmemory", "0");
        }
        assertTrue(
                q.intake().submit(Jobs.crc("accepted", "123456789")).queued(), "queued again once Redis takes writes");
    }

    /** LPUSH cannot be refused: past the quota, jobs wait in the ingress list, and move as room appears. */
    @Test
    void jobsLpushedPastTheQuotaWaitInTheListAndNoneIsLost() throws Exception {
        queue.close(); // its mover, on the default quota, would move the whole list
        JobQueue q = newQueue(SETTINGS.withQuota(2, 1L << 30, 100));
        for (int i = 0; i < 5; i++) {
            server.cli("LPUSH", "packetfs:jobs:queue", Jobs.crcJson("lp" + i, "MTIzNDU2Nzg5"));
        }
        List<String> settled = new ArrayList<>();
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (settled.size() < 5 && System.nanoTime() < until) {
            List<dev.packetfs.dispatch.queue.Delivery> got = q.delivery().take(5, java.time.Duration.ofMillis(200));
            assertTrue(got.size() <= 2, "the queue held " + got.size() + " jobs; its quota is 2");
            long queued = Long.parseLong(server.cli("XLEN", "packetfs:jobs:stream"));
            assertTrue(queued <= 2, "the stream held " + queued);
            q.delivery().settle(got.stream().map(JobQueueContract::done).toList());
            got.forEach(d -> settled.add(d.jobId()));
        }
        assertEquals(
                List.of("lp0", "lp1", "lp2", "lp3", "lp4"),
                settled.stream().sorted().toList());
        assertEquals("0", server.cli("LLEN", "packetfs:jobs:queue"));
        assertEquals("0", server.cli("GET", "packetfs:jobs:bytes"), "every job's bytes were released");
    }

    @AfterEach
    void closeAll() {
        opened.forEach(JobQueue::close);
    }

    /** The fan-out contract on the same redis-server. */
    @Nested
    class FanOutCases extends FanOutCasesContract {
        @Override
        protected JobQueue queueUnderTest() {
            return RedisStreamJobQueueIT.this.queue;
        }
    }

    @Nested
    class FanOut extends FanOutQueueContract {
        @Override
        protected JobQueue queueUnderTest() {
            return RedisStreamJobQueueIT.this.queue;
        }

        @Override
        protected JobQueue secondConsumer(JobQueue first) {
            return RedisStreamJobQueueIT.this.secondConsumer(first);
        }

        /** A finished parent leaves no record, no answers and no bytes behind. */
        @Test
        void aFinishedParentLeavesNothingBehind() throws Exception {
            var parent = parent("tidy", dev.packetfs.kernel.Op.CRC32C, 0, 50_000, 10_000);
            plan(parent, limits(parent, 2));
            runToEnd("tidy", 4);
            assertEquals("", server.cli("KEYS", "packetfs:fanout:*"));
            assertEquals("0", server.cli("GET", "packetfs:jobs:bytes"));
            assertEquals("0", server.cli("XLEN", "packetfs:jobs:stream"));
        }

        /**
         * A dispatcher that dies holding a parent's merge entry (read, never acknowledged) leaves
         * it pending; another takes it over after the visibility timeout and stores the result.
         */
        @Test
        void aMergeWhoseDispatcherDiedIsTakenOver() throws Exception {
            var parent = parent("merge-lost", dev.packetfs.kernel.Op.CRC32C, 0, 40_000, 10_000);
            plan(parent, limits(parent, 4));
            List<Delivery> windows = new ArrayList<>();
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (windows.size() < 4 && System.nanoTime() < until) {
                windows.addAll(queue.delivery().take(4 - windows.size(), Duration.ofMillis(100)));
            }
            assertEquals(4, windows.size(), "every window queued");
            queue.delivery()
                    .settle(windows.stream().map(d -> answer(d, "local", 1)).toList());
            // The merge entry is now in the stream: a dispatcher that is about to die reads it.
            String read = server.cli(
                    "XREADGROUP",
                    "GROUP",
                    QueueScripts.GROUP,
                    "dies-merging",
                    "COUNT",
                    "10",
                    "STREAMS",
                    "packetfs:jobs:stream",
                    ">");
            assertTrue(
                    read.contains("merge") && read.contains("merge-lost"),
                    "the dying dispatcher holds the merge: " + read);
            assertTrue(queue.records().result("merge-lost").isEmpty(), "not merged yet");

            JobQueue second = secondConsumer(queue);
            Optional<JobResult> r = Optional.empty();
            until = System.nanoTime() + VISIBILITY.multipliedBy(6).toNanos();
            while (r.isEmpty() && System.nanoTime() < until) {
                assertTrue(second.delivery().take(1, Duration.ofMillis(200)).isEmpty(), "no window runs again");
                r = second.records().result("merge-lost");
            }
            assertTrue(
                    r.isPresent(),
                    "the merge was taken over: " + second.records().status("merge-lost"));
            assertEquals(
                    singlePass(parent),
                    KernelResult.fromJson(dev.packetfs.kernel.Op.CRC32C, r.get().result()));
            assertEquals(4, r.get().summary().get("windows").asLong());
            assertEquals("", server.cli("KEYS", "packetfs:fanout:*"));
            assertEquals(
                    "0", server.cli("XLEN", "packetfs:jobs:stream"), "the merge entry was acknowledged and removed");
        }
    }
}
