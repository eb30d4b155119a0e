package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.queue.redis.RedisConnections;
import dev.packetfs.dispatch.queue.redis.RedisStreamJobQueue;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.testing.RangeOrigin;
import dev.packetfs.testing.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fan-out over a 96 MiB object, for real: a real redis-server, real dispatcher processes (the
 * packaged {@code pfs serve}), a real loopback origin. Every op, windows of 1 MiB, 3 MiB + 7 and
 * 1 MiB + 1, the whole object and sub-windows, each merged to the single-pass answer; and a
 * dispatcher SIGKILLed in the middle of two parents, which another finishes without loss.
 */
class FanOutIT {
    static final int SIZE = 96 * 1024 * 1024 + 5;
    static final byte[] OBJECT = new byte[SIZE];
    static RedisServer redis;
    static RangeOrigin origin;
    static RedisConnections connections;
    static RedisStreamJobQueue client;

    @BeforeAll
    static void start() throws Exception {
        new SplittableRandom(96).nextBytes(OBJECT);
        redis = RedisServer.start();
        origin = new RangeOrigin();
        origin.put("big", OBJECT);
        connections = RedisConnections.open(redis.url());
        client = new RedisStreamJobQueue(connections, QueueSettings.defaults(), "test-client");
    }

    @AfterAll
    static void stop() {
        client.close();
        connections.close();
        origin.close();
        redis.close();
    }

    static ComputeJob parent(String id, Op op, String url, long offset, long length, long windowBytes) {
        int imm = op == Op.CRC32C || op == Op.FNV64 ? 0 : 0x5a;
        return ComputeJob.of(id, new Program(op, imm, url, null, offset, length, OptionalLong.empty()))
                .withWindowBytes(windowBytes);
    }

    static JobResult await(String id, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            var r = client.records().result(id);
            if (r.isPresent()) {
                return r.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no result for " + id + " in " + within + ": "
                + client.records().status(id));
    }

    static void assertMergedRight(ComputeJob parent, JobResult r) {
        assertEquals(JobResult.Status.SUCCEEDED, r.status(), parent.jobId() + ": " + r.error());
        assertEquals(
                Kernel.execute(parent.program(), OBJECT),
                KernelResult.fromJson(parent.program().op(), r.result()),
                parent.jobId());
        long windows = (parent.program().windowLength(SIZE) - 1) / parent.windowBytes() + 1;
        assertEquals(windows, r.summary().get("windows").asLong(), parent.jobId());
    }

    @Test
    void everyOpAndWindowSizeMergesToTheSinglePass() throws Exception {
        String url = origin.url("/ranged/big");
        List<ComputeJob> parents = new ArrayList<>();
        long[] windowSizes = {1 << 20, 3 * (1 << 20) + 7, (1 << 20) + 1};
        SplittableRandom random = new SplittableRandom(7);
        for (Op op : Op.values()) {
            for (long w : windowSizes) {
                parents.add(parent("all-" + op.wireName() + "-" + w, op, url, 0, Program.TO_END, w));
            }
            // A sub-window: an unaligned offset and a length that ends short of the object.
            long offset = 1 + random.nextInt(8 << 20);
            parents.add(parent("sub-" + op.wireName(), op, url, offset, 80L * (1 << 20) + 3, (1 << 20) + 1));
        }
        try (DispatcherProcess d = DispatcherProcess.start(
                "fan", redis.url(), Map.of("PACKETFS_FETCH_ALLOW_HOSTS", "127.0.0.1"), List.of("-Xmx768m"))) {
            client.intake().submit(parents);
            for (ComputeJob p : parents) {
                assertMergedRight(p, await(p.jobId(), Duration.ofSeconds(240)));
            }
        }
        assertEquals("", redis.cli("KEYS", "packetfs:fanout:*"), "nothing of the parents is left");
        assertEquals("0", redis.cli("GET", "packetfs:jobs:bytes"));
    }

    @Test
    void aDispatcherKilledMidParentLosesNothing() throws Exception {
        // Four windows out at once, each answered 60 ms late: the parents are well under way, not done, at the kill.
        Map<String, String> env = Map.of(
                "PACKETFS_FETCH_ALLOW_HOSTS",
                "127.0.0.1",
                "PACKETFS_QUEUE_VISIBILITY_TIMEOUT",
                "2s",
                "PACKETFS_FANOUT_MAX_OUTSTANDING",
                "4");
        String url = origin.url("/delay/60/ranged/big");
        ComputeJob crc = parent("kill-crc", Op.CRC32C, url, 0, Program.TO_END, 1 << 20);
        ComputeJob fnv = parent("kill-fnv", Op.FNV64, url, 12_345, 40L << 20, (1 << 20) + 1);
        long doneAtKill;
        try (DispatcherProcess first = DispatcherProcess.start("first", redis.url(), env)) {
            client.intake().submit(List.of(crc, fnv));
            doneAtKill = awaitWindowsDone(first, "kill-crc", 12);
            awaitWindowsDone(first, "kill-fnv", 3);
            first.kill();
        }
        JsonNode atKill = JobJson.readTree(redis.cli("HGET", "packetfs:fanout:job:kill-crc", "done"));
        assertTrue(atKill.asLong() < 97, "the kill came mid-parent: " + atKill);
        assertTrue(
                client.records().result("kill-crc").isEmpty()
                        && client.records().result("kill-fnv").isEmpty(),
                "neither finished");
        try (DispatcherProcess second = DispatcherProcess.start("second", redis.url(), env)) {
            assertMergedRight(crc, await("kill-crc", Duration.ofSeconds(120)));
            assertMergedRight(fnv, await("kill-fnv", Duration.ofSeconds(120)));
            assertTrue(second.log().contains("took over"), "the second dispatcher took over the first's windows");
        }
        System.out.printf(
                "fan-out crash test: %d of 97 windows done when the first dispatcher was killed%n", doneAtKill);
    }

    /** Polls GET /jobs/{id} until at least {@code n} windows are done; returns how many. */
    static long awaitWindowsDone(DispatcherProcess d, String id, long n) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(d.url() + "/jobs/" + id)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode fanout = JobJson.readTree(r.body()).path("fanout");
            if (fanout.path("windows_done").asLong() >= n) {
                return fanout.path("windows_done").asLong();
            }
            Thread.sleep(20);
        }
        throw new AssertionError(id + " did not reach " + n + " windows");
    }
}
