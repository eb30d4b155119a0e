package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.client.BadRequestException;
import dev.packetfs.client.Cancellation;
import dev.packetfs.client.ConflictException;
import dev.packetfs.client.DispatcherUnreachableException;
import dev.packetfs.client.FanOutProgress;
import dev.packetfs.client.JobResult;
import dev.packetfs.client.JobStatus;
import dev.packetfs.client.NotFoundException;
import dev.packetfs.client.PacketfsClient;
import dev.packetfs.client.PacketfsException;
import dev.packetfs.client.ServiceUnavailableException;
import dev.packetfs.client.Submission;
import dev.packetfs.client.TooManyRequestsException;
import dev.packetfs.client.UnauthorizedException;
import dev.packetfs.client.UnsupportedMediaTypeException;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.testing.RangeOrigin;
import dev.packetfs.testing.RedisServer;
import dev.packetfs.testing.TcpProxy;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Java client ({@code packetfs-client}) against the real dispatcher: a {@code pfs serve}
 * process with an API key, on a real Redis (behind a proxy that can cut it off), reading a real
 * loopback origin. Every route the client covers, and each error the dispatcher can be made to
 * answer, as the client's typed exception.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClientIT {
    static final String KEY = "client-it-key";
    static final byte[] OBJECT = new byte[6 * 1024 * 1024 + 3];
    static RedisServer redis;
    static TcpProxy redisLink;
    static RangeOrigin origin;
    static DispatcherProcess dispatcher;
    static PacketfsClient client;

    @BeforeAll
    static void start() throws Exception {
        new SplittableRandom(7).nextBytes(OBJECT);
        redis = RedisServer.start();
        redisLink = new TcpProxy(redis.port());
        origin = new RangeOrigin();
        origin.put("obj", OBJECT);
        dispatcher = DispatcherProcess.start(
                "client-it",
                "redis://127.0.0.1:" + redisLink.port(),
                Map.of(
                        "PACKETFS_API_KEY", KEY,
                        "PACKETFS_FETCH_ALLOW_HOSTS", "127.0.0.1",
                        "PACKETFS_FANOUT_MAX_OUTSTANDING", "2",
                        "PACKETFS_DISPATCH_INITIAL_BACKOFF", "20ms",
                        "PACKETFS_DISPATCH_MAX_BACKOFF", "50ms",
                        // small enough that one job of 500 KB inline data finds the queue full (429)
                        "PACKETFS_QUEUE_MAX_BYTES", "600000"));
        client = PacketfsClient.builder(dispatcher.url()).apiKey(KEY).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        dispatcher.close();
        origin.close();
        redisLink.close();
        redis.close();
    }

    static ObjectNode job(String id, String op, byte[] data) {
        ObjectNode job = JobJson.MAPPER.createObjectNode().put("job_id", id);
        job.putObject("program").put("op", op).put("data", Base64.getEncoder().encodeToString(data));
        return job;
    }

    static String resultText(String id) {
        try {
            return client.result(id).text();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    static ObjectNode fanOut(String id, String op, String url, long windowBytes) {
        ObjectNode job = JobJson.MAPPER.createObjectNode().put("job_id", id).put("window_bytes", windowBytes);
        job.putObject("program").put("op", op).put("data_url", url);
        return job;
    }

    static long single(Op op, byte[] data) {
        return Kernel.execute(Program.over(op, 0, data)).value();
    }

    static final byte[] DIGITS = "123456789".getBytes(StandardCharsets.US_ASCII);

    @Test
    void oneJobAndABatchAreSubmittedAndAwaited() throws Exception {
        assertEquals(new Submission("one-1", true), client.submit(job("one-1", "crc32c", DIGITS)));
        assertEquals(
                new Submission("one-1", false), client.submit(job("one-1", "crc32c", DIGITS)), "one id, one result");
        JobResult one = client.await("one-1", Duration.ofSeconds(30));
        assertTrue(one.finished() && one.succeeded(), one.text());
        assertEquals(3808858755L, one.result().get("checksum").asLong());
        assertTrue(one.attempts() >= 1 && one.substrate().isPresent(), one.text());
        assertTrue(one.costUsd().signum() >= 0 && one.executionTimeMs() >= 0, one.text());
        assertFalse(one.completedAt().orElseThrow().isAfter(Instant.now()), one.text());
        JobStatus oneState = client.status("one-1");
        assertEquals(one.attempts(), oneState.attempts());
        assertEquals(one.substrate(), oneState.substrate());
        assertTrue(
                one.text().startsWith("{\"job_id\":\"one-1\",\"status\":\"succeeded\""),
                "as the dispatcher wrote it: " + one.text());

        List<ObjectNode> batch = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            batch.add(job("batch-" + i, "add", new byte[] {(byte) i, 2, 3}));
        }
        List<Submission> submitted = client.submitAll(batch);
        assertEquals(
                List.of(
                        new Submission("batch-0", true),
                        new Submission("batch-1", true),
                        new Submission("batch-2", true)),
                submitted);
        for (int i = 0; i < 3; i++) {
            assertEquals(
                    i + 5, client.await("batch-" + i).result().get("result").asLong());
        }
        JobStatus status = client.status("batch-2");
        assertEquals("succeeded", status.state());
        assertTrue(status.finished() && status.fanOut().isEmpty());
    }

    @Test
    void resultsAreAwaitedWithoutBlocking() throws Exception {
        client.submit(job("async-1", "xor", DIGITS));
        CompletableFuture<JobResult> awaited = client.awaitAsync("async-1", Duration.ofSeconds(30));
        assertEquals(
                single(Op.XOR, DIGITS),
                awaited.get(30, TimeUnit.SECONDS).result().get("result").asLong());
        assertTrue(client.resultAsync("async-1").get(10, TimeUnit.SECONDS).succeeded());

        ExecutionException unknown = assertThrows(
                ExecutionException.class,
                () -> client.resultAsync("never-submitted").get(10, TimeUnit.SECONDS));
        assertInstanceOf(NotFoundException.class, unknown.getCause());
        assertEquals(Optional.of("job_id"), ((NotFoundException) unknown.getCause()).field());

        // Its last window (from 6 MiB) is held back by the origin: not finished within 100 ms, nor
        // when asked right after, however busy the machine; finished once let through.
        client.submit(fanOut("async-slow", "add", origin.url("/gated/" + (6 << 20) + "/ranged/obj"), 2 << 20));
        ExecutionException late = assertThrows(
                ExecutionException.class,
                () -> client.awaitAsync("async-slow", Duration.ofMillis(100)).get(10, TimeUnit.SECONDS));
        assertInstanceOf(TimeoutException.class, late.getCause());
        assertThrows(TimeoutException.class, () -> client.await("async-slow", Duration.ofMillis(50)));
        JobResult pending = client.result("async-slow");
        assertFalse(pending.finished(), pending.text());
        origin.openGate(6 << 20);
        assertTrue(client.awaitAsync("async-slow", Duration.ofSeconds(60))
                .get(60, TimeUnit.SECONDS)
                .succeeded());
    }

    @Test
    void aFanOutJobReportsItsProgress() throws Exception {
        client.submit(fanOut("fan-progress", "crc32c", origin.url("/delay/100/ranged/obj"), 1 << 20));
        List<JobStatus> seen = new CopyOnWriteArrayList<>();
        JobResult r = client.follow("fan-progress", Duration.ofSeconds(60), seen::add);
        assertTrue(r.succeeded(), () -> r.text() + "\n" + dispatcher.log());
        assertEquals(single(Op.CRC32C, OBJECT), r.result().get("checksum").asLong());
        assertEquals(7, r.json().get("summary").get("windows").asInt());

        // How many intermediate states a poll catches depends on timing; what they say does not.
        List<FanOutProgress> progress =
                seen.stream().flatMap(s -> s.fanOut().stream()).toList();
        assertFalse(progress.isEmpty(), "progress reported: " + seen);
        for (int i = 1; i < progress.size(); i++) {
            assertTrue(
                    progress.get(i).windowsDone() >= progress.get(i - 1).windowsDone(), "windows done never go back");
            assertTrue(progress.get(i).bytesDone() >= progress.get(i - 1).bytesDone());
        }
        FanOutProgress last = progress.get(progress.size() - 1);
        assertEquals(7, last.windows());
        assertEquals(7, last.windowsDone());
        assertEquals(OBJECT.length, last.bytes());
        assertEquals(0, last.costUsd().signum(), "local windows cost nothing");
        assertTrue(seen.get(seen.size() - 1).finished(), "the finished state is reported too");
        for (int i = 1; i < seen.size(); i++) {
            assertFalse(seen.get(i).json().equals(seen.get(i - 1).json()), "only changes are reported");
        }
    }

    @Test
    void aQueuedFanOutIsCancelledAndAFinishedJobCannotBe() throws Exception {
        // Its window from 5 MiB is held back by the origin: it is still running when cancelled.
        client.submit(fanOut("fan-cancel", "add", origin.url("/gated/" + (5 << 20) + "/ranged/obj"), 1 << 20));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (client.status("fan-cancel").fanOut().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        JobStatus fanning = client.status("fan-cancel");
        assertTrue(
                fanning.fanOut().isPresent() && !fanning.finished(),
                () -> "fanning out: " + fanning.json() + "; result " + resultText("fan-cancel") + "\n"
                        + dispatcher.log());
        assertEquals(new Cancellation("fan-cancel", "cancelling"), client.cancel("fan-cancel"));
        origin.openGate(5 << 20);
        JobResult cancelled = client.await("fan-cancel", Duration.ofSeconds(30));
        assertFalse(cancelled.succeeded());
        assertTrue(
                cancelled.error().orElseThrow().startsWith("cancelled (DELETE /jobs/fan-cancel) after "),
                cancelled.text());

        ConflictException finished = assertThrows(ConflictException.class, () -> client.cancel("fan-cancel"));
        assertEquals(409, finished.status());
        assertTrue(finished.getMessage().contains("has finished"), finished.getMessage());
        assertEquals(Optional.of("job_id"), finished.field());
        NotFoundException unknown = assertThrows(NotFoundException.class, () -> client.cancel("never-was"));
        assertEquals("no job 'never-was' is known", unknown.getMessage());
        BadRequestException badId = assertThrows(BadRequestException.class, () -> client.cancel("a b"));
        assertEquals(Optional.of("job_id"), badId.field());
    }

    @Test
    void metricsAndHealthAreRead() throws Exception {
        client.submit(job("metrics-1", "add", DIGITS));
        client.await("metrics-1");
        JsonNode metrics = client.metrics();
        assertTrue(metrics.get("substrates").get("local").get("jobs").asLong() >= 1, metrics.toString());
        assertTrue(metrics.has("queue"));
        JsonNode series = client.metrics("15m").get("series");
        assertEquals("15m", series.get("range").asText());
        assertEquals(90, series.get("t").size());
        BadRequestException range = assertThrows(BadRequestException.class, () -> client.metrics("2h"));
        assertEquals(Optional.of("range"), range.field());
        assertEquals("UP", client.health().get("status").asText());
    }

    @Test
    void aDeadLetterIsListedAndRequeued() throws Exception {
        ObjectNode failing = JobJson.MAPPER.createObjectNode().put("job_id", "dl-1");
        failing.putObject("program").put("op", "add").put("data_url", origin.url("/status/503"));
        client.submit(failing);
        JobResult failed = client.await("dl-1", Duration.ofSeconds(30));
        assertTrue(failed.error().orElseThrow().startsWith("failed 3 attempts"), failed.text());
        assertEquals(3, failed.attempts());
        assertEquals(failed.error(), client.status("dl-1").error());

        JsonNode letter = null;
        for (JsonNode l : client.deadLetters().get("dead_letters")) {
            if (l.get("job_id").asText().equals("dl-1")) {
                letter = l;
            }
        }
        assertTrue(letter != null, "listed");
        assertTrue(client.deadLetters(1000).get("count").asInt() >= 1);
        assertEquals(
                new Submission("dl-1", true), client.requeue(letter.get("id").asText()));
        assertEquals(
                3,
                client.await("dl-1", Duration.ofSeconds(30))
                        .json()
                        .get("attempts")
                        .asInt(),
                "every attempt again");

        assertEquals(
                Optional.of("id"),
                assertThrows(BadRequestException.class, () -> client.requeue("nope"))
                        .field());
        assertInstanceOf(NotFoundException.class, assertThrows(PacketfsException.class, () -> client.requeue("1-1")));
        assertEquals(
                Optional.of("limit"),
                assertThrows(BadRequestException.class, () -> client.deadLetters(0))
                        .field());
    }

    @Test
    void eachRefusalIsItsOwnType() throws Exception {
        ObjectNode bad = job("bad-1", "add", DIGITS);
        ((ObjectNode) bad.get("program")).put("imm", 256);
        BadRequestException invalid = assertThrows(BadRequestException.class, () -> client.submit(bad));
        assertEquals("program.imm: must be an integer 0..255, got 256", invalid.getMessage());
        assertEquals(Optional.of("program.imm"), invalid.field());
        assertEquals(
                Optional.of("[1].job_id"),
                assertThrows(
                                BadRequestException.class,
                                () -> client.submitAll(
                                        List.of(job("twice", "add", DIGITS), job("twice", "add", DIGITS))))
                        .field());

        assertEquals(
                "no job 'nothing' is known",
                assertThrows(NotFoundException.class, () -> client.result("nothing"))
                        .getMessage());
        assertThrows(NotFoundException.class, () -> client.status("nothing"));
        assertThrows(NotFoundException.class, () -> client.await("nothing", Duration.ofSeconds(5)));

        // The client always sends JSON; a raw exchange shows what the dispatcher says to anything else.
        HttpResponse<String> form = client.exchange(
                "POST",
                "/jobs",
                Map.of("Content-Type", "text/plain"),
                "{}".getBytes(StandardCharsets.UTF_8),
                HttpResponse.BodyHandlers.ofString());
        PacketfsException notJson = PacketfsException.from(form);
        assertInstanceOf(UnsupportedMediaTypeException.class, notJson);
        assertEquals(
                "POST /jobs takes JSON: send Content-Type: application/json, not text/plain", notJson.getMessage());

        byte[] half = new byte[500 * 1024];
        TooManyRequestsException full =
                assertThrows(TooManyRequestsException.class, () -> client.submit(job("big-1", "add", half)));
        assertEquals(Optional.of(Duration.ofSeconds(5)), full.retryAfter());
        assertTrue(full.getMessage().startsWith("the queue is full"), full.getMessage());
        assertThrows(NotFoundException.class, () -> client.result("big-1"), "nothing was queued");

        try (PacketfsClient keyless = PacketfsClient.builder(dispatcher.url()).build();
                PacketfsClient wrongKey = PacketfsClient.builder(dispatcher.url())
                        .apiKey("not-it")
                        .build()) {
            UnauthorizedException none = assertThrows(UnauthorizedException.class, () -> keyless.metrics());
            assertEquals("this API needs Authorization: Bearer <PACKETFS_API_KEY>", none.getMessage());
            assertEquals(
                    "wrong API key",
                    assertThrows(UnauthorizedException.class, () -> wrongKey.submit(job("k", "add", DIGITS)))
                            .getMessage());
            assertEquals("UP", keyless.health().get("status").asText(), "/health is open");
        }
        try (PacketfsClient nobody = PacketfsClient.builder("http://127.0.0.1:" + RedisServer.freePort())
                .build()) {
            DispatcherUnreachableException down =
                    assertThrows(DispatcherUnreachableException.class, () -> nobody.health());
            assertInstanceOf(java.net.ConnectException.class, down.getCause());
            ExecutionException async = assertThrows(
                    ExecutionException.class, () -> nobody.resultAsync("x").get(10, TimeUnit.SECONDS));
            assertInstanceOf(DispatcherUnreachableException.class, async.getCause());
        }
    }

    /** Last: Redis is cut off from the dispatcher, which then answers 503 with Retry-After. */
    @Test
    @Order(Integer.MAX_VALUE)
    void whileTheQueueIsDownTheAnswerSaysWhenToTryAgain() throws Exception {
        redisLink.down();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        ServiceUnavailableException down = null;
        while (down == null) {
            try {
                client.submit(job("during-outage", "add", DIGITS));
            } catch (ServiceUnavailableException e) {
                down = e;
            }
            assertTrue(System.nanoTime() < deadline, "never refused while Redis was down");
        }
        assertEquals(503, down.status());
        assertEquals("the queue is unavailable; try again shortly", down.getMessage());
        assertEquals(Optional.of(Duration.ofSeconds(1)), down.retryAfter());
        ServiceUnavailableException health = assertThrows(ServiceUnavailableException.class, () -> client.health());
        assertEquals("DOWN", JobJson.readTree(health.body()).get("status").asText());
        redisLink.up();
    }
}
