package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.testing.TricklingClients;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A body that does not arrive within packetfs.api.body-timeout is cut off with 408, key or no key;
 * one without a declared length that grows past the HTTP limit, with 413.
 */
@QuarkusTest
@TestProfile(ApiBodyTimeoutIT.OneSecond.class)
class ApiBodyTimeoutIT {

    public static class OneSecond implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("packetfs.api.body-timeout", "1s");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void aTrickledBodyIsCutAtTheDeadlineWhateverItsPace() throws Exception {
        TricklingClients.Answer answer = TricklingClients.answerToTrickledBody(
                base.getPort(),
                "POST /jobs HTTP/1.1\r\n"
                        + "Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
                Duration.ofSeconds(4));
        assertTrue(answer.text().startsWith("HTTP/1.1 408"), answer.text());
        assertTrue(
                answer.text().contains("{\"error\":\"the request body did not arrive within 1000 ms\"}"),
                answer.text());
        assertTrue(answer.millis() >= 900 && answer.millis() < 4000, "cut after " + answer.millis() + " ms");
    }

    @Test
    void aBodyWithoutADeclaredLengthIsCutAtTheHttpLimit() throws Exception {
        // quarkus.http.limits.max-body-size is 8M; the chunk that crosses it is the last one sent.
        String answer = TricklingClients.answerToChunkedBody(
                base.getPort(),
                "POST /jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                8L * 1024 * 1024,
                Duration.ofSeconds(5));
        assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
        assertTrue(answer.contains("{\"error\":\"the request body exceeds 8388608 bytes\"}"), answer);
    }
}
