package dev.packetfs.worker.flyio;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The packaged worker, started as Fly starts it: without a usable token it exits instead of listening. */
class FlyWorkerStartupIT {

    @ParameterizedTest
    @ValueSource(strings = {"", "short"})
    void refusesToStartWithoutAUsableToken(String token) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar",
                        "target/quarkus-app/quarkus-run.jar")
                .redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.remove("PACKETFS_WORKER_TOKEN");
        if (!token.isEmpty()) {
            env.put("PACKETFS_WORKER_TOKEN", token);
        }
        env.put("QUARKUS_HTTP_PORT", "0");
        Process process = builder.start();
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!exited) {
            process.destroyForcibly();
        }
        assertTrue(exited, "the worker kept running without a token:\n" + output);
        assertNotEquals(0, process.exitValue());
        assertTrue(output.contains("PACKETFS_WORKER_TOKEN"), output);
    }
}
