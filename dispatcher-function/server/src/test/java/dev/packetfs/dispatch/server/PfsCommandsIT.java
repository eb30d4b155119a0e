package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.testing.ListeningPort;
import dev.packetfs.dispatch.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's commands as a user types them: {@code scripts/pfs serve}, {@code submit}, {@code result}, {@code run}. */
class PfsCommandsIT {
    static final Path PFS =
            Path.of("..", "..", "scripts", "pfs").toAbsolutePath().normalize();

    record Run(int code, String out, String err) {}

    static Run pfs(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PFS.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out, err);
    }

    @Test
    void serveSubmitResultAndRun(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            // --port 0: the server binds a port of the kernel's choosing and says which in its log.
            Process serve = new ProcessBuilder(PFS.toString(), "serve", "--redis", redis.url(), "--port", "0")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("serve.log").toFile())
                    .start();
            try {
                int port = ListeningPort.await(serve, dir.resolve("serve.log"), Duration.ofSeconds(120));
                Map<String, String> env = Map.of("PACKETFS_SERVER", "http://127.0.0.1:" + port);
                awaitUp(env, serve, dir);

                Run submitted =
                        pfs(env, "submit", "--op", "crc32c", "--data-base64", "MTIzNDU2Nzg5", "--job-id", "cli-1");
                assertEquals(0, submitted.code(), submitted.err());
                assertEquals(
                        "{\"job_id\":\"cli-1\",\"queued\":true}",
                        submitted.out().strip());
                Run result = awaitResult(env, "cli-1");
                assertEquals(
                        3808858755L,
                        JobJson.readTree(result.out())
                                .get("result")
                                .get("checksum")
                                .asLong());

                Path file = dir.resolve("object.bin");
                Files.write(file, "xx123456789yy".getBytes(StandardCharsets.US_ASCII));
                Run run =
                        pfs(env, "run", "--op", "crc32c", "--file", file.toString(), "--offset", "2", "--length", "9");
                assertEquals(0, run.code(), run.err());
                JsonNode r = JobJson.readTree(run.out());
                assertEquals(3808858755L, r.get("result").get("checksum").asLong());
                assertEquals(9, r.get("result").get("bytes_processed").asInt());

                Run refused = pfs(env, "run", "--op", "add", "--substrate", "mars", "--data-base64", "AA==");
                assertEquals(2, refused.code());
                assertTrue(refused.err().contains("unknown substrate 'mars'"), refused.err());
                assertEquals(5, pfs(env, "result", "no-such-job").code());
                assertEquals(
                        1,
                        pfs(Map.of("PACKETFS_SERVER", "http://127.0.0.1:1"), "result", "x")
                                .code());
            } finally {
                serve.destroy();
                serve.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    private static void awaitUp(Map<String, String> env, Process serve, Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!serve.isAlive()) {
                throw new AssertionError("pfs serve exited: " + Files.readString(dir.resolve("serve.log")));
            }
            if (pfs(env, "result", "probe").code() == 5) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("pfs serve did not come up: " + Files.readString(dir.resolve("serve.log")));
    }

    private static Run awaitResult(Map<String, String> env, String id) throws Exception {
        for (int i = 0; i < 100; i++) {
            Run r = pfs(env, "result", id);
            if (r.code() != 4) {
                assertEquals(0, r.code(), r.out() + r.err());
                return r;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no result for " + id);
    }
}
