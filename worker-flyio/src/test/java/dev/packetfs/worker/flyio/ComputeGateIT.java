package dev.packetfs.worker.flyio;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.testing.TricklingClients;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The token is checked from the headers alone, and bodies are read without holding a worker
 * thread: slow and unauthenticated clients by the hundred do not keep {@code /health} or an
 * authorised job waiting.
 */
@QuarkusTest
class ComputeGateIT {
    private static final String TOKEN = "test-token-0123456789";
    private static final String JOB = "{\"job_id\":\"g1\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}}";
    /** How long /health and an authorised small job may take while the slow clients are connected. */
    private static final Duration PROMPT = Duration.ofSeconds(2);

    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TestHTTPResource("/")
    URI base;

    int port;

    @BeforeEach
    void port() {
        port = base.getPort();
    }

    private static String head(String authorization) {
        return "POST /compute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "Content-Length: 1000000\r\n\r\n";
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Bearer wrong-token-0123456789", "Basic dXNlcjpwYXNz"})
    void aRequestWithoutTheTokenIsRefusedFromItsHeadersAlone(String authorization) throws Exception {
        // Not a byte of the announced megabyte is sent: the answer must not wait for it, and the
        // connection is closed rather than left for the body.
        String answer =
                TricklingClients.answerToHead(port, head(authorization.isEmpty() ? null : authorization), PROMPT);
        assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
        assertTrue(answer.toLowerCase().contains("www-authenticate: bearer"), answer);
        assertTrue(answer.contains("\"error_code\":\"unauthorized\""), answer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer", "bearer", "BEARER", "bEaReR"})
    void theSchemeIsMatchedInAnyCase(String scheme) {
        given().header("Authorization", scheme + " " + TOKEN)
                .body(JOB)
                .when()
                .post("/compute")
                .then()
                .statusCode(200)
                .body("result.checksum", equalTo(3808858755L));
    }

    @Test
    void aBodyAnnouncedWithExpectContinueIsAskedForAndRead() throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(base.resolve("/compute"))
                        .header("Authorization", "Bearer " + TOKEN)
                        .expectContinue(true)
                        .timeout(PROMPT)
                        .POST(HttpRequest.BodyPublishers.ofString(JOB))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    @Test
    void aClientOfferingHttp2IsAnsweredInHttp11() throws Exception {
        // quarkus.http.http2=false: no h2c upgrade, so every body goes through the gate's reader.
        HttpClient h2 =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> health = h2.send(
                HttpRequest.newBuilder(base.resolve("/health")).timeout(PROMPT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        assertEquals(HttpClient.Version.HTTP_1_1, health.version());
        HttpResponse<String> job = h2.send(
                HttpRequest.newBuilder(base.resolve("/compute"))
                        .timeout(PROMPT)
                        .header("Authorization", "Bearer " + TOKEN)
                        .POST(HttpRequest.BodyPublishers.ofString(JOB))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, job.statusCode(), job.body());
    }

    @Test
    void aBodyWithoutADeclaredLengthIsCutAtTheHttpLimit() throws Exception {
        // quarkus.http.limits.max-body-size is 7M; the chunk that crosses it is the last one sent.
        String answer = TricklingClients.answerToChunkedBody(
                port,
                "POST /compute HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "Authorization: Bearer " + TOKEN
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n",
                7L * 1024 * 1024,
                Duration.ofSeconds(5));
        assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
        assertTrue(answer.contains("\"error_code\":\"too_large\""), answer);
    }

    @Test
    void slowBodiesByTheHundredKeepNoThread() throws Exception {
        // A third without a token, a third with a wrong one, a third authorised: each announces a
        // megabyte and sends a byte every 300 ms. The old worker held a worker thread per
        // connection until its body was in, and ran out of them at 200.
        int refused = 84 + 83;
        try (TricklingClients slow = TricklingClients.open(
                        port,
                        250,
                        i -> head(
                                switch (i % 3) {
                                    case 0 -> null;
                                    case 1 -> "Bearer wrong-token-0123456789";
                                    default -> "Bearer " + TOKEN;
                                }))
                .trickle(Duration.ofMillis(300))) {
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            int rounds = 0;
            long slowest = 0;
            while (System.nanoTime() < until) {
                long start = System.nanoTime();
                TricklingClients.Reply health = promptly("GET", "/health", null);
                assertEquals(200, health.status(), health.text());
                TricklingClients.Reply job = promptly(
                        "POST", "/compute", JOB, "Authorization: Bearer " + TOKEN, "Content-Type: application/json");
                assertEquals(200, job.status(), job.text());
                assertTrue(job.body().contains("\"checksum\":3808858755"), job.body());
                slowest = Math.max(slowest, (System.nanoTime() - start) / 1_000_000);
                rounds++;
            }
            assertTrue(rounds >= 3, "only " + rounds + " rounds in 5 s");
            // The refused connections were closed; the authorised ones are still being read.
            assertEquals(refused, slow.closedByServer());
            System.out.printf("slow clients: %d rounds of /health + /compute, slowest round %d ms%n", rounds, slowest);
        }
    }

    /** One request on a connection of its own, which must be answered within PROMPT. */
    private TricklingClients.Reply promptly(String method, String path, String body, String... headers)
            throws IOException {
        TricklingClients.Reply reply = TricklingClients.request(port, method, path, body, PROMPT, headers);
        assertTrue(reply.millis() < PROMPT.toMillis(), method + " " + path + " took " + reply.millis() + " ms");
        return reply;
    }
}
