package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.testing.RedisServer;
import dev.packetfs.dispatch.testing.TcpProxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * While Redis is down, the API says so at once: a real dispatcher ({@code pfs serve}) whose Redis
 * is cut off (a proxy in front of a real redis-server drops every connection and refuses new ones)
 * answers {@code POST /jobs} and {@code /health} with 503 and {@code Retry-After}, instead of
 * waiting out the 15 s command timeout; and recovers by itself when Redis is back.
 */
class RedisOutageIT {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Well under the command timeout (15 s) a request used to wait, and far over a loaded machine's pause. */
    static final long FAST_MS = 5_000;

    static HttpResponse<String> post(DispatcherProcess d, String job) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(d.url() + "/jobs")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(job)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(DispatcherProcess d, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(d.url() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String job(String id) {
        return "{\"job_id\":\"" + id + "\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}}";
    }

    static void awaitSucceeded(DispatcherProcess d, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get(d, "/results/" + id);
            if (r.statusCode() == 200) {
                assertEquals("succeeded", JobJson.readTree(r.body()).get("status").asText(), r.body());
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no result for " + id + "\n" + d.log());
    }

    @Test
    void whileRedisIsDownTheApiAnswers503AtOnceAndRecoversByItself() throws Exception {
        try (RedisServer redis = RedisServer.start(); TcpProxy proxy = new TcpProxy(redis.port());
                DispatcherProcess d = DispatcherProcess.start("outage", "redis://127.0.0.1:" + proxy.port(), Map.of())) {
            assertEquals(202, post(d, job("before")).statusCode());
            awaitSucceeded(d, "before");

            proxy.down();
            // The dispatcher learns of it when its connection drops: /health says so from then on.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (get(d, "/health").statusCode() != 503) {
                assertTrue(System.nanoTime() < deadline, "/health never said DOWN");
                Thread.sleep(20);
            }
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = post(d, job("during-" + i));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(503, r.statusCode(), r.body());
                assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
                assertTrue(ms < FAST_MS, "POST /jobs took " + ms + " ms to say the queue is down");
            }
            long t0 = System.nanoTime();
            HttpResponse<String> health = get(d, "/health");
            assertTrue((System.nanoTime() - t0) / 1_000_000 < FAST_MS, "/health took its time");
            assertEquals(503, health.statusCode());
            assertEquals("DOWN", JobJson.readTree(health.body()).get("status").asText());
            assertEquals("1", health.headers().firstValue("Retry-After").orElse(null));

            proxy.up();
            deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            HttpResponse<String> again;
            while ((again = post(d, job("after"))).statusCode() != 202) {
                assertEquals(503, again.statusCode(), again.body());
                assertTrue(System.nanoTime() < deadline, "the dispatcher did not recover\n" + d.log());
                Thread.sleep(100);
            }
            awaitSucceeded(d, "after");
            assertEquals(200, get(d, "/health").statusCode());
            for (int i = 0; i < 5; i++) {
                assertEquals(404, get(d, "/results/during-" + i).statusCode(), "a refused submission queued nothing");
            }
        }
    }
}
