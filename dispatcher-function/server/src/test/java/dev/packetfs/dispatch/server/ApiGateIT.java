package dev.packetfs.dispatch.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.packetfs.testing.TricklingClients;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * With an API key: the key is checked from the headers alone, {@code /q/metrics} is behind it, and
 * bodies are read without holding a worker thread, so hundreds of slow authorised submissions do
 * not keep {@code /health} or a normal job waiting.
 */
@QuarkusTest
@TestProfile(ApiKeyIT.WithKey.class)
class ApiGateIT {
    private static final String KEY = "s3cret-key";
    /** How long /health, POST /jobs and GET /results may each take while the slow clients are connected. */
    private static final Duration PROMPT = Duration.ofSeconds(2);

    @TestHTTPResource("/")
    URI base;

    private static String head(String authorization) {
        return "POST /jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "Content-Length: 1000000\r\n\r\n";
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Bearer wrong", "Basic dXNlcjpwYXNz"})
    void aRequestWithoutTheKeyIsRefusedFromItsHeadersAlone(String authorization) throws Exception {
        // Not a byte of the announced megabyte is sent: the answer does not wait for it, and the
        // connection is closed rather than left open for the body.
        String answer = TricklingClients.answerToHead(
                base.getPort(), head(authorization.isEmpty() ? null : authorization), PROMPT);
        assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
        assertTrue(answer.toLowerCase().contains("www-authenticate: bearer"), answer);
        assertTrue(answer.contains("{\"error\":"), answer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer", "bearer", "BEARER", "bEaReR"})
    void theSchemeIsMatchedInAnyCase(String scheme) {
        given().header("Authorization", scheme + " " + KEY)
                .get("/metrics")
                .then()
                .statusCode(200);
        given().header("Authorization", scheme + " " + KEY)
                .get("/q/metrics")
                .then()
                .statusCode(200);
    }

    @Test
    void prometheusMetricsNeedTheKey() {
        given().get("/results/refused-job-4711").then().statusCode(401);
        given().get("/q/metrics")
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", "Bearer")
                .body("error", equalTo("this API needs Authorization: Bearer <PACKETFS_API_KEY>"));
        given().header("Authorization", "Bearer wrong").get("/q/metrics").then().statusCode(401);
        String metrics = given().header("Authorization", "Bearer " + KEY)
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("packetfs_inflight"))
                .extract()
                .asString();
        assertFalse(metrics.contains("refused-job-4711"), "a refused request's job id is in the metrics");
    }

    @Test
    void theVolunteerRuntimeAndTheDashboardStayOpen() throws Exception {
        given().redirects().follow(false).get("/browser-runtime/").then().statusCode(200);
        given().get("/dashboard").then().statusCode(200);
        given().get("/health").then().statusCode(200);
        // The volunteers' WebSocket handshake passes the filter unread and without the key.
        WebSocket socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + base.getPort() + "/browser"), new WebSocket.Listener() {})
                .get(5, TimeUnit.SECONDS);
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    }

    @Test
    void aClientOfferingHttp2IsAnsweredInHttp11() throws Exception {
        // quarkus.http.http2=false: no h2c upgrade, so every body goes through ApiKeyFilter's reader.
        HttpClient h2 =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> health = h2.send(
                HttpRequest.newBuilder(base.resolve("/health")).timeout(PROMPT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        assertEquals(HttpClient.Version.HTTP_1_1, health.version());
        HttpResponse<String> queued = h2.send(
                HttpRequest.newBuilder(base.resolve("/jobs"))
                        .timeout(PROMPT)
                        .header("Authorization", "Bearer " + KEY)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"job_id\":\"h2-1\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, queued.statusCode(), queued.body());
    }

    @Test
    void slowAuthorisedBodiesByTheHundredKeepNoThread() throws Exception {
        // 200 authorised submissions and 50 without the key, each announcing a megabyte and sending a
        // byte every 300 ms. The old dispatcher read each body on a worker thread, and had 200.
        try (TricklingClients slow = TricklingClients.open(
                        base.getPort(), 250, i -> head(i % 5 == 0 ? null : "Bearer " + KEY))
                .trickle(Duration.ofMillis(300))) {
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            int rounds = 0;
            long slowest = 0;
            while (System.nanoTime() < until) {
                long start = System.nanoTime();
                TricklingClients.Reply health = promptly("GET", "/health", null);
                assertEquals(200, health.status(), health.text());
                String id = "gate-" + rounds;
                TricklingClients.Reply queued = promptly(
                        "POST",
                        "/jobs",
                        "{\"job_id\":\"" + id + "\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}}",
                        "Authorization: Bearer " + KEY,
                        "Content-Type: application/json");
                assertEquals(202, queued.status(), queued.text());
                String result = awaitResult(id, start + Duration.ofSeconds(5).toNanos());
                assertTrue(result.contains("\"checksum\":3808858755"), result);
                slowest = Math.max(slowest, (System.nanoTime() - start) / 1_000_000);
                rounds++;
            }
            assertTrue(rounds >= 3, "only " + rounds + " rounds in 5 s");
            // The 50 refused connections were closed; the authorised ones are still being read.
            assertEquals(50, slow.closedByServer());
            System.out.printf(
                    "slow clients: %d rounds of /health + POST /jobs + result, slowest round %d ms%n", rounds, slowest);
        }
    }

    /** Polls GET /results/{id}, each poll answered within PROMPT, until the result is in or the deadline passes. */
    private String awaitResult(String id, long deadline) throws IOException, InterruptedException {
        while (System.nanoTime() < deadline) {
            TricklingClients.Reply r = promptly("GET", "/results/" + id, null, "Authorization: Bearer " + KEY);
            if (r.status() == 200) {
                return r.body();
            }
            assertEquals(202, r.status(), r.text());
            Thread.sleep(10);
        }
        return fail("no result for " + id + " within 5 s of submitting it");
    }

    /** One request on a connection of its own, which must be answered within PROMPT. */
    private TricklingClients.Reply promptly(String method, String path, String body, String... headers)
            throws IOException {
        TricklingClients.Reply reply = TricklingClients.request(base.getPort(), method, path, body, PROMPT, headers);
        assertTrue(reply.millis() < PROMPT.toMillis(), method + " " + path + " took " + reply.millis() + " ms");
        return reply;
    }
}
