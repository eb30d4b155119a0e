package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.queue.redis.RedisConnections;
import dev.packetfs.dispatch.queue.redis.RedisStreamJobQueue;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.testing.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Quotas and a bounded heap, against a real dispatcher process on a real Redis. Once, 125 jobs of
 * 1 MiB inline data pinned to volunteers nobody provided took a 512 MiB dispatcher out of memory,
 * and the queue accepted whatever it was sent.
 */
class FloodIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /**
     * 300 jobs of 1 MiB, waiting for volunteers that never come, flow through a dispatcher with a
     * 192 MiB heap that would die on its first out-of-memory error; it stays up, and a small job
     * submitted after them all still runs.
     */
    @Test
    void aFloodOfLargeJobsStaysWithinTheHeap() throws Exception {
        try (RedisServer redis = RedisServer.start();
                RedisConnections connections = RedisConnections.open(redis.url());
                DispatcherProcess dispatcher = DispatcherProcess.start(
                        "flood",
                        redis.url(),
                        Map.of("PACKETFS_QUEUE_MAX_BYTES", Long.toString(2L << 30)),
                        List.of("-Xmx192m", "-XX:+ExitOnOutOfMemoryError"))) {
            RedisStreamJobQueue client = new RedisStreamJobQueue(
                    connections, QueueSettings.defaults().withQuota(1_000_000, 2L << 30, 100), "flooder");
            try {
                byte[] mib = new byte[1 << 20];
                for (int batch = 0; batch < 30; batch++) {
                    List<ComputeJob> jobs = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        jobs.add(ComputeJob.of("big-" + batch + "-" + i, Program.over(Op.XOR, 0, mib))
                                .withPublic(true)
                                .withSubstrate("browser"));
                    }
                    client.intake().submit(jobs);
                    assertTrue(
                            dispatcher.isAlive(),
                            "the dispatcher died after " + batch * 10 + " jobs:\n" + dispatcher.log());
                }
                ComputeJob small = ComputeJob.of("small", Program.over(Op.CRC32C, 0, "123456789".getBytes()));
                client.intake().submit(small);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                Optional<JobResult> result = Optional.empty();
                while (result.isEmpty() && System.nanoTime() < until && dispatcher.isAlive()) {
                    TimeUnit.MILLISECONDS.sleep(200);
                    result = client.records().result("small");
                }
                assertTrue(dispatcher.isAlive(), "the dispatcher died:\n" + dispatcher.log());
                assertFalse(dispatcher.log().contains("OutOfMemoryError"), dispatcher.log());
                assertEquals(
                        JobResult.Status.SUCCEEDED,
                        result.orElseThrow(() -> new AssertionError("the small job never ran"))
                                .status());
                assertEquals(200, get(dispatcher, "/health").statusCode());
            } finally {
                client.close();
            }
        }
    }

    /** A submission past the quota gets 429 and queues nothing; once the queue drains, submissions are taken again. */
    @Test
    void aSubmissionPastTheQuotaIsRefusedWithA429() throws Exception {
        try (RedisServer redis = RedisServer.start();
                DispatcherProcess dispatcher = DispatcherProcess.start(
                        "quota",
                        redis.url(),
                        Map.of("PACKETFS_QUEUE_MAX_JOBS", "3", "PACKETFS_DISPATCH_ENABLED", "false"))) {
            String three = jobs("a", "b", "c");
            assertEquals(202, post(dispatcher, three).statusCode());
            HttpResponse<String> refused = post(dispatcher, jobs("d"));
            assertEquals(429, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("packetfs.queue.max-jobs"), refused.body());
            assertEquals(404, get(dispatcher, "/jobs/d").statusCode(), "nothing of the refused submission was queued");
            assertEquals("3", redis.cli("XLEN", "packetfs:jobs:stream"));
        }
    }

    private static String jobs(String... ids) {
        List<String> out = new ArrayList<>();
        for (String id : ids) {
            out.add("{\"job_id\":\"" + id + "\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}}");
        }
        return "[" + String.join(",", out) + "]";
    }

    private static HttpResponse<String> post(DispatcherProcess dispatcher, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(dispatcher.url() + "/jobs"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(DispatcherProcess dispatcher, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(dispatcher.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
