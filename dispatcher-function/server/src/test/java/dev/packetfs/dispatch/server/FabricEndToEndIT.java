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
import dev.packetfs.lambdalocal.LambdaEmulator;
import dev.packetfs.testing.LambdaEmulators;
import dev.packetfs.testing.RangeOrigin;
import dev.packetfs.testing.RedisServer;
import dev.packetfs.testing.WorkerProcess;
import dev.packetfs.testing.WorkerdProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The fabric on one machine: {@code pfs serve} (the packaged dispatcher) on a real Redis with four
 * substrates: {@code local}, {@code flyio} (worker-flyio's jar in its own JVM), {@code lambda}
 * (the real function.zip under AWS's runtime interface client, behind the emulated Invoke API)
 * and {@code cloudflare} (worker-cloudflare in workerd). 1,000 mixed jobs over objects on a
 * loopback Range origin; the Fly worker is SIGKILLed a quarter of the way in, workerd half way.
 */
class FabricEndToEndIT {
    static final int JOBS = 1000;

    @Test
    void aThousandMixedJobsSurviveLosingTheFlyAndCloudflareWorkers() throws Exception {
        Map<String, byte[]> objects = new HashMap<>();
        SplittableRandom random = new SplittableRandom(42);
        try (RedisServer redis = RedisServer.start();
                RangeOrigin origin = new RangeOrigin();
                LambdaEmulator lambda = LambdaEmulators.worker(
                        Map.of("PACKETFS_WORKER_TOKEN", WorkerProcess.TOKEN, "PACKETFS_FETCH_ALLOW_HOSTS", "127.0.0.1"),
                        2,
                        2,
                        1024,
                        Duration.ofSeconds(10))) {
            for (int i = 0; i < 3; i++) {
                byte[] object = new byte[1 << 20];
                random.nextBytes(object);
                objects.put("obj" + i, object);
                origin.put("obj" + i, object);
            }
            lambda.awaitWarm(Duration.ofSeconds(60));
            try (WorkerProcess fly = WorkerProcess.fly(8);
                    WorkerdProcess cloudflare = WorkerdProcess.start(Map.of("PACKETFS_WORKER_MAX_CONCURRENCY", "8"))) {
                run(redis, origin, lambda, fly, cloudflare, objects, random);
            }
        }
    }

    private void run(
            RedisServer redis,
            RangeOrigin origin,
            LambdaEmulator lambda,
            WorkerProcess fly,
            WorkerdProcess cloudflare,
            Map<String, byte[]> objects,
            SplittableRandom random)
            throws Exception {
        {
            Map<String, String> env = new HashMap<>();
            env.put("PACKETFS_FETCH_ALLOW_HOSTS", "127.0.0.1");
            env.put("PACKETFS_WORKER_TOKEN", WorkerProcess.TOKEN);
            env.put("PACKETFS_LOCAL_MAX_CONCURRENCY", "2");
            env.put("PACKETFS_SUBSTRATES_FLYIO_URL", fly.url().toString());
            env.put("PACKETFS_SUBSTRATES_FLYIO_MAX_CONCURRENCY", "8");
            env.put("PACKETFS_SUBSTRATES_CLOUDFLARE_URL", cloudflare.url().toString());
            env.put("PACKETFS_SUBSTRATES_CLOUDFLARE_TOKEN", WorkerdProcess.TOKEN);
            env.put("PACKETFS_SUBSTRATES_CLOUDFLARE_MAX_CONCURRENCY", "8");
            env.put("PACKETFS_SUBSTRATES_LAMBDA_FUNCTION_NAME", LambdaEmulator.FUNCTION);
            env.put("PACKETFS_SUBSTRATES_LAMBDA_ENDPOINT", lambda.endpoint().toString());
            env.put("PACKETFS_SUBSTRATES_LAMBDA_MAX_CONCURRENCY", "2");
            env.put("PACKETFS_DISPATCH_HEALTH_INTERVAL", "1s");
            // Every failed attempt in the dispatcher's log, for the assertions' messages.
            env.put("QUARKUS_LOG_CATEGORY__DEV_PACKETFS_DISPATCH_ENGINE__LEVEL", "DEBUG");
            env.put("AWS_ACCESS_KEY_ID", LambdaEmulator.ACCESS_KEY);
            env.put("AWS_SECRET_ACCESS_KEY", "emulator-secret");
            env.put("AWS_REGION", "us-east-1");

            List<ComputeJob> jobs = new ArrayList<>();
            Map<String, KernelResult> expected = new HashMap<>();
            Op[] ops = Op.values();
            for (int i = 0; i < JOBS; i++) {
                Op op = ops[i % ops.length];
                int imm = op == Op.CRC32C || op == Op.FNV64 ? 0 : random.nextInt(256);
                Program program;
                byte[] object;
                if (i % 10 == 0) {
                    object = new byte[random.nextInt(2048)];
                    random.nextBytes(object);
                    program = new Program(op, imm, null, object, 0, Program.TO_END, OptionalLong.empty());
                } else {
                    String name = "obj" + random.nextInt(3);
                    object = objects.get(name);
                    // Each fetch is answered 20 ms late, so every substrate has work in flight.
                    program = new Program(
                            op,
                            imm,
                            origin.url("/delay/20/ranged/" + name),
                            null,
                            random.nextInt(object.length),
                            1 + random.nextInt(64 * 1024),
                            OptionalLong.empty());
                }
                ComputeJob job = ComputeJob.of("e2e-" + i, program);
                jobs.add(job);
                expected.put(job.jobId(), Kernel.execute(program, object));
            }

            try (RedisConnections connections = RedisConnections.open(redis.url());
                    RedisStreamJobQueue client =
                            new RedisStreamJobQueue(connections, QueueSettings.defaults(), "e2e-client");
                    DispatcherProcess dispatcher = DispatcherProcess.start("e2e", redis.url(), env)) {
                client.intake().submit(jobs);
                awaitResults(redis, JOBS / 4, Duration.ofSeconds(120));
                long flyBefore = metrics(dispatcher)
                        .path("substrates")
                        .path("flyio")
                        .path("successes")
                        .asLong();
                fly.kill();
                long resultsAtKill = results(redis);
                awaitResults(redis, JOBS / 2, Duration.ofSeconds(120));
                long cloudflareBefore = metrics(dispatcher)
                        .path("substrates")
                        .path("cloudflare")
                        .path("successes")
                        .asLong();
                cloudflare.kill();
                long resultsAtSecondKill = results(redis);
                awaitResults(redis, JOBS, Duration.ofSeconds(180));

                Map<String, Long> ranOn = new TreeMap<>();
                for (ComputeJob job : jobs) {
                    JobResult r = client.records()
                            .result(job.jobId())
                            .orElseThrow(() -> new AssertionError("lost: " + job.jobId()));
                    assertEquals(
                            JobResult.Status.SUCCEEDED,
                            r.status(),
                            () -> job.jobId() + ": " + r.error() + "\ndead letters: "
                                    + redis.cli("XRANGE", "packetfs:jobs:dead", "-", "+", "COUNT", "2"));
                    assertEquals(
                            expected.get(job.jobId()),
                            KernelResult.fromJson(job.program().op(), r.result()),
                            job.jobId());
                    ranOn.merge(r.substrate(), 1L, Long::sum);
                }
                JsonNode after = metrics(dispatcher);
                JsonNode substrates = after.get("substrates");
                System.out.printf(
                        "e2e: %d jobs; results by substrate %s; %d done when Fly was killed, %d when workerd was;"
                                + " metrics %s%n",
                        JOBS, ranOn, resultsAtKill, resultsAtSecondKill, substrates);
                assertTrue(flyBefore > 0, "Fly ran jobs before it was killed");
                assertTrue(cloudflareBefore > 0, "Cloudflare ran jobs before it was killed");
                assertTrue(resultsAtSecondKill < JOBS, "the kills came mid-run");
                for (String name : List.of("local", "flyio", "lambda", "cloudflare")) {
                    assertTrue(ranOn.getOrDefault(name, 0L) > 0, name + " ran nothing: " + ranOn);
                    // The books: every stored result counted once, on the substrate that ran it.
                    assertEquals(
                            (long) ranOn.get(name),
                            substrates.get(name).get("successes").asLong(),
                            name);
                }
                assertEquals(0.0, substrates.get("local").get("total_cost_usd").asDouble(), "local is free");
                for (String survivor : List.of("local", "lambda")) {
                    // Only the killed worker may fail: anything else is a fault of the fabric.
                    assertEquals(
                            0,
                            substrates.get(survivor).get("failures").asLong(),
                            () -> survivor + " failed:\n"
                                    + dispatcher
                                            .log()
                                            .lines()
                                            .filter(l -> l.contains(" on " + survivor + ":"))
                                            .limit(10)
                                            .collect(java.util.stream.Collectors.joining("\n")));
                }
                assertTrue(substrates.get("lambda").get("total_cost_usd").asDouble() > 0, "lambda charged");
                for (String killed : List.of("flyio", "cloudflare")) {
                    assertTrue(substrates.get(killed).get("total_cost_usd").asDouble() > 0, killed + " charged");
                    assertTrue(
                            substrates.get(killed).get("failures").asLong() > 0
                                    || !substrates
                                            .get(killed)
                                            .path("live")
                                            .path("healthy")
                                            .asBoolean(true),
                            "the dispatcher noticed " + killed + " was gone");
                }
                var depth = client.books().depth();
                assertEquals(
                        0,
                        depth.ready() + depth.inFlight() + depth.delayed() + depth.dead() + depth.ingress(),
                        "nothing left anywhere: " + depth);
            }
        }
    }

    static long results(RedisServer redis) {
        return Long.parseLong(redis.cli("EVAL", "return #redis.call('KEYS', 'packetfs:results:*')", "0"));
    }

    static void awaitResults(RedisServer redis, long n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (results(redis) < n && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    static JsonNode metrics(DispatcherProcess dispatcher) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(dispatcher.url() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return JobJson.MAPPER.readTree(r.body());
    }
}
