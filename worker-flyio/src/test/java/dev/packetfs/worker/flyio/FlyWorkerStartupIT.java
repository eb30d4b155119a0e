package dev.packetfs.worker.flyio;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.testing.ChildProcess;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The packaged worker, started as Fly starts it: without a usable token it exits instead of listening. */
class FlyWorkerStartupIT {

    @ParameterizedTest
    @ValueSource(strings = {"", "short"})
    void refusesToStartWithoutAUsableToken(String token) throws Exception {
        ChildProcess.Builder worker = ChildProcess.command(
                        "worker-flyio", ChildProcess.java(), "-jar", "target/quarkus-app/quarkus-run.jar")
                .dropInherited(key -> key.equals("PACKETFS_WORKER_TOKEN"))
                .env("QUARKUS_HTTP_PORT", "0");
        if (!token.isEmpty()) {
            worker.env("PACKETFS_WORKER_TOKEN", token);
        }
        try (ChildProcess process = worker.start()) {
            OptionalInt exit = process.awaitExit(Duration.ofSeconds(60));
            assertTrue(exit.isPresent(), "the worker kept running without a token:\n" + process.log());
            assertNotEquals(0, exit.getAsInt());
            assertTrue(process.log().contains("PACKETFS_WORKER_TOKEN"), process.log());
        }
    }
}
