package dev.packetfs.worker.flyio;

import dev.packetfs.protocol.testing.TricklingClients;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
        try (Socket socket = new Socket("127.0.0.1", base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /compute HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer test-token-0123456789\r\n"
                    + "Content-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            // A byte every 100 ms keeps any idle timer from firing; the deadline is for the whole body.
            Thread trickle = new Thread(() -> {
                try {
                    for (int i = 0; i < 30; i++) {
                        Thread.sleep(100);
                        out.write(' ');
                        out.flush();
                    }
                } catch (Exception closedByTheServer) {
                    // the point of the test
                }
            });
            trickle.setDaemon(true);
            trickle.start();
            String answer = TricklingClients.readUntilClosed(socket, Duration.ofSeconds(4));
            long ms = (System.nanoTime() - start) / 1_000_000;
            trickle.interrupt();
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(answer.contains("did not arrive within 1000 ms"), answer);
            assertTrue(ms >= 900 && ms < 4000, "cut after " + ms + " ms");
        }
    }
}
