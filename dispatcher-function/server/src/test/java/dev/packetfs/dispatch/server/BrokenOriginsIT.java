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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Origins fail every day: a fabric fed jobs against broken origins (503, 404, a byte a second, a
 * redirect to gopher, a nonsense Content-Range) next to good jobs keeps completing the good ones,
 * and every broken one ends failed with its reason. Once, origin faults were held against the
 * local substrate: fifteen 503s opened its breaker, which never half-opened, and the queue stopped
 * until a restart. A real dispatcher process, real Redis, a real loopback origin.
 */
class BrokenOriginsIT {

    private static ComputeJob job(String id, Program program, Long maxDurationMs) {
        return new ComputeJob(id, program, null, maxDurationMs, false, false, null, null, false);
    }

    private static Program add(String url) {
        return new Program(Op.ADD, 0, url, null, 0, 60, OptionalLong.empty());
    }

    @Test
    void goodJobsCompleteAndBrokenOnesFailWithTheirReason() throws Exception {
        byte[] object = new byte[64 * 1024];
        new SplittableRandom(3).nextBytes(object);
        try (RedisServer redis = RedisServer.start();
                RedisConnections connections = RedisConnections.open(redis.url());
                RangeOrigin origin = new RangeOrigin();
                DispatcherProcess dispatcher = DispatcherProcess.start(
                        "d1",
                        redis.url(),
                        Map.of(
                                "PACKETFS_FETCH_ALLOW_HOSTS", "127.0.0.1",
                                "PACKETFS_DISPATCH_INITIAL_BACKOFF", "100ms"))) {
            origin.put("obj", object);
            origin.put("minute", new byte[60]);
            RedisStreamJobQueue client = new RedisStreamJobQueue(connections, QueueSettings.defaults(), "test-client");
            try {
                Map<String, String> broken = new LinkedHashMap<>(); // job id → what its error must say
                List<ComputeJob> bad = new ArrayList<>();
                for (int i = 0; i < 15; i++) {
                    bad.add(job("503-" + i, add(origin.url("/status/503/x")), null));
                    broken.put("503-" + i, "HTTP 503");
                }
                for (int i = 0; i < 3; i++) {
                    bad.add(job("slow-" + i, add(origin.url("/trickle/1000/minute")), 1500L));
                    broken.put("slow-" + i, "timed out");
                }
                bad.add(job("404", add(origin.url("/status/404/x")), null));
                broken.put("404", "HTTP 404");
                bad.add(job("gopher", add(origin.url("/location/gopher%3A%2F%2F127.0.0.1%2Fx")), null));
                broken.put("gopher", "must be an http or https URL");
                bad.add(job(
                        "range", add(origin.url("/content-range/bytes%200-9%2F99999999999999999999999/obj")), null));
                broken.put("range", "Content-Range");
                client.intake().submit(bad);

                List<ComputeJob> good = new ArrayList<>();
                SplittableRandom random = new SplittableRandom(4);
                for (int i = 0; i < 20; i++) {
                    byte[] data = new byte[1 + random.nextInt(512)];
                    random.nextBytes(data);
                    good.add(ComputeJob.of("inline-" + i, Program.over(Op.values()[i % 5], i, data)));
                    good.add(ComputeJob.of(
                            "url-" + i,
                            new Program(
                                    Op.values()[i % 5],
                                    i,
                                    origin.url("/ranged/obj"),
                                    null,
                                    random.nextInt(object.length),
                                    1 + random.nextInt(8192),
                                    OptionalLong.empty())));
                }
                client.intake().submit(good);

                Map<String, JobResult> results = await(client, good, Duration.ofSeconds(30));
                for (ComputeJob j : good) {
                    JobResult r = results.get(j.jobId());
                    assertEquals(JobResult.Status.SUCCEEDED, r.status(), j.jobId() + ": " + r.error());
                    KernelResult expected = j.program().dataUrl() == null
                            ? Kernel.execute(j.program())
                            : Kernel.execute(j.program(), object);
                    assertEquals(expected, KernelResult.fromJson(j.program().op(), r.result()), j.jobId());
                }
                Map<String, JobResult> failed = await(client, bad, Duration.ofSeconds(60));
                broken.forEach((id, reason) -> {
                    JobResult r = failed.get(id);
                    assertEquals(JobResult.Status.FAILED, r.status(), id);
                    assertTrue(r.error().contains(reason), id + ": " + r.error());
                });
                JsonNode local =
                        metrics(dispatcher).path("substrates").path("local").path("live");
                assertEquals(
                        "closed", local.path("breaker").asText(), "origin faults are not the substrate's: " + local);
                assertEquals(0.0, local.path("failure_rate_ewma").asDouble(), 1e-9, local.toString());
            } finally {
                client.close();
            }
        }
    }

    private static Map<String, JobResult> await(RedisStreamJobQueue client, List<ComputeJob> jobs, Duration timeout)
            throws InterruptedException {
        Map<String, JobResult> results = new LinkedHashMap<>();
        long until = System.nanoTime() + timeout.toNanos();
        while (results.size() < jobs.size() && System.nanoTime() < until) {
            for (ComputeJob j : jobs) {
                if (!results.containsKey(j.jobId())) {
                    Optional<JobResult> r = client.records().result(j.jobId());
                    r.ifPresent(result -> results.put(j.jobId(), result));
                }
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        List<String> missing = jobs.stream()
                .map(ComputeJob::jobId)
                .filter(id -> !results.containsKey(id))
                .toList();
        assertTrue(missing.isEmpty(), "no result in " + timeout + " for " + missing);
        return results;
    }

    private static JsonNode metrics(DispatcherProcess dispatcher) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(dispatcher.url() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JobJson.readTree(r.body());
    }
}
