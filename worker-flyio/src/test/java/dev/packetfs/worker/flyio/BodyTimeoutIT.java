package dev.packetfs.worker.flyio;

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

/** An authorised body that does not arrive within packetfs.worker.body-timeout is cut off with 408. */
@QuarkusTest
@TestProfile(BodyTimeoutIT.OneSecond.class)
class BodyTimeoutIT {

    public static class OneSecond implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("packetfs.worker.body-timeout", "1s");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Test
    void aTrickledBodyIsCutAtTheDeadlineWhateverItsPace() throws Exception {
        TricklingClients.Answer answer = TricklingClients.answerToTrickledBody(
                base.getPort(),
                "POST /compute HTTP/1.1\r\n"
                        + "Host: 127.0.0.1\r\nAuthorization: Bearer test-token-0123456789\r\nContent-Length: 100\r\n\r\n{",
                Duration.ofSeconds(4));
        assertTrue(answer.text().startsWith("HTTP/1.1 408"), answer.text());
        assertTrue(answer.text().contains("did not arrive within 1000 ms"), answer.text());
        assertTrue(answer.millis() >= 900 && answer.millis() < 4000, "cut after " + answer.millis() + " ms");
    }
}
