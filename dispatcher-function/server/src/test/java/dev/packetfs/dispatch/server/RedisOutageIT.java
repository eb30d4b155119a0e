package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.testing.RedisServer;
import dev.packetfs.testing.TcpProxy;
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
 * answers {@code POST /jobs} and {@code /health} with 503 and {@code Retry-After} from what it
 * knows of its connection, not after a command timed out; and recovers by itself when Redis is
 * back. How fast that is depends on the machine, so what is checked is which answer it is: the
 * one the known-down connection gives ({@link #KNOWN_DOWN}), never a timeout's.
 */
class RedisOutageIT {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Why the queue refuses a call while its connection is known to be down (RedisStreamJobQueue). */
    static final String KNOWN_DOWN = "Redis is unreachable: the connection is down and reconnecting";

    static HttpResponse<String> post(DispatcherProcess d, String job) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(d.url() + "/jobs"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(job))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(DispatcherProcess d, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(d.url() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String job(String id) {
        return "{\"job_id\":\"" + id + "\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}}";
    }

    /** Calls the API refused because the connection was known to be down, as its log says. */
    static int refusals(DispatcherProcess d) {
        return d.log().split(java.util.regex.Pattern.quote(KNOWN_DOWN), -1).length - 1;
    }

    static void awaitSucceeded(DispatcherProcess d, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get(d, "/results/" + id);
            if (r.statusCode() == 200) {
                assertEquals(
                        "succeeded", JobJson.readTree(r.body()).get("status").asText(), r.body());
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no result for " + id + "\n" + d.log());
    }

    @Test
    void whileRedisIsDownTheApiAnswers503AtOnceAndRecoversByItself() throws Exception {
        try (RedisServer redis = RedisServer.start();
                TcpProxy proxy = new TcpProxy(redis.port());
                DispatcherProcess d =
                        DispatcherProcess.start("outage", "redis://127.0.0.1:" + proxy.port(), Map.of())) {
            assertEquals(202, post(d, job("before")).statusCode());
            awaitSucceeded(d, "before");

            proxy.down();
            // Once known to be down (the connection down for a second), every call is refused from
            // that knowledge: /health's queue_error names it, as does the log for each POST.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            HttpResponse<String> health;
            while (!KNOWN_DOWN.equals(JobJson.readTree((health = get(d, "/health")).body())
                    .path("queue_error")
                    .asText())) {
                assertTrue(System.nanoTime() < deadline, "never known to be down: " + health.body());
                Thread.sleep(20);
            }
            assertEquals(503, health.statusCode());
            assertEquals("DOWN", JobJson.readTree(health.body()).get("status").asText());
            assertEquals("1", health.headers().firstValue("Retry-After").orElse(null));
            int refusedBefore = refusals(d);
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r = post(d, job("during-" + i));
                assertEquals(503, r.statusCode(), r.body());
                assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
            }
            assertEquals(refusedBefore + 5, refusals(d), "each POST refused as known down, none after a timeout");

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
