package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.queue.redis.RedisConnections;
import dev.packetfs.dispatch.queue.redis.RedisStreamJobQueue;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.testing.RangeOrigin;
import dev.packetfs.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Nothing is lost when things die: a dispatcher SIGKILLed in the middle of 5,000 jobs, and Redis
 * connections killed under a running dispatcher. Real redis-server, real dispatcher processes,
 * a real loopback origin that makes each job take a while (so jobs are in flight when the axe falls).
 */
class CrashRecoveryIT {
    static final int JOBS = 5000;
    static final Map<String, String> FAST_RECOVERY = Map.of(
            "PACKETFS_QUEUE_VISIBILITY_TIMEOUT", "2s",
            "PACKETFS_FETCH_ALLOW_HOSTS", "127.0.0.1",
            "PACKETFS_LOCAL_MAX_CONCURRENCY", "64");

    RedisServer redis;
    RedisConnections connections;
    RedisStreamJobQueue client;
    RangeOrigin origin;
    byte[] object = new byte[64 * 1024];

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        connections = RedisConnections.open(redis.url());
        client = new RedisStreamJobQueue(connections, QueueSettings.defaults(), "test-client");
        origin = new RangeOrigin();
        new SplittableRandom(1).nextBytes(object);
        origin.put("obj", object);
    }

    @AfterEach
    void stop() {
        client.close();
        connections.close();
        origin.close();
        redis.close();
    }

    /** Jobs over windows of the object, each answered 15 ms late by the origin. */
    List<ComputeJob> jobs() {
        List<ComputeJob> jobs = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(2);
        Op[] ops = Op.values();
        for (int i = 0; i < JOBS; i++) {
            Op op = ops[i % ops.length];
            long offset = random.nextInt(object.length);
            jobs.add(ComputeJob.of(
                    "job-" + i,
                    new Program(
                            op,
                            random.nextInt(256) * (op == Op.CRC32C || op == Op.FNV64 ? 0 : 1),
                            origin.url("/delay/15/ranged/obj"),
                            null,
                            offset,
                            1 + random.nextInt(4096),
                            OptionalLong.empty())));
        }
        return jobs;
    }

    long results() {
        return Long.parseLong(redis.cli("EVAL", "return #redis.call('KEYS', 'packetfs:results:*')", "0"));
    }

    void awaitResults(long n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (results() < n && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    /** Every job has exactly one result, it succeeded, and it is what the kernel computes. */
    void assertEveryJobDoneRight(List<ComputeJob> jobs) {
        assertEquals(JOBS, results());
        for (ComputeJob job : jobs) {
            JobResult r =
                    client.records().result(job.jobId()).orElseThrow(() -> new AssertionError("lost: " + job.jobId()));
            assertEquals(JobResult.Status.SUCCEEDED, r.status(), job.jobId() + ": " + r.error());
            assertTrue(
                    dev.packetfs.kernel.KernelResult.fromJson(job.program().op(), r.result())
                            .equals(Kernel.execute(job.program(), object)),
                    job.jobId());
        }
        var depth = client.books().depth();
        assertEquals(
                0,
                depth.ready() + depth.inFlight() + depth.delayed() + depth.dead() + depth.ingress(),
                "nothing left anywhere: " + depth);
    }

    @Test
    void aDispatcherKilledMidRunLosesNothing() throws Exception {
        List<ComputeJob> jobs = jobs();
        long pendingAtKill;
        try (DispatcherProcess first = DispatcherProcess.start("first", redis.url(), FAST_RECOVERY)) {
            for (int i = 0; i < JOBS; i += 500) {
                client.intake().submit(jobs.subList(i, Math.min(JOBS, i + 500)));
            }
            awaitResults(JOBS / 5, Duration.ofSeconds(60));
            first.kill();
            pendingAtKill = Long.parseLong(redis.cli(
                    "EVAL",
                    "local n = 0 for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], 'dispatchers')) do"
                            + " if c[2] == 'first' then n = c[4] end end return n",
                    "1",
                    "packetfs:jobs:stream"));
        }
        long doneAtKill = results();
        assertTrue(pendingAtKill > 0, "the kill must leave deliveries in flight");
        assertTrue(doneAtKill < JOBS, "the kill must come mid-run");
        try (DispatcherProcess second = DispatcherProcess.start("second", redis.url(), FAST_RECOVERY)) {
            awaitResults(JOBS, Duration.ofSeconds(120));
            assertEveryJobDoneRight(jobs);
            assertTrue(second.log().contains("took over"), "the second dispatcher took over the first's deliveries");
        }
        System.out.printf(
                "crash test: %d jobs, %d results when killed, %d in flight at the kill%n",
                JOBS, doneAtKill, pendingAtKill);
    }

    @Test
    void killingRedisConnectionsMidRunLosesNothing() throws Exception {
        List<ComputeJob> jobs = jobs();
        try (DispatcherProcess dispatcher = DispatcherProcess.start("survivor", redis.url(), FAST_RECOVERY)) {
            client.intake().submit(jobs.subList(0, JOBS / 2));
            int kills = 0;
            for (int round = 0; round < 3; round++) {
                awaitResults((round + 1) * JOBS / 8, Duration.ofSeconds(60));
                // Every normal client connection: the dispatcher's shared, reading and moving ones.
                String killed = redis.cli("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
                kills += Integer.parseInt(killed);
                if (round == 1) {
                    client.intake().submit(jobs.subList(JOBS / 2, JOBS));
                }
            }
            assertTrue(kills >= 3, "connections were killed: " + kills);
            awaitResults(JOBS, Duration.ofSeconds(120));
            assertEveryJobDoneRight(jobs);
        }
    }
}
