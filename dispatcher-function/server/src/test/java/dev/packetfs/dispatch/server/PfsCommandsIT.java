package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.testing.ChildProcess;
import dev.packetfs.testing.ChildProcess.Finished;
import dev.packetfs.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's commands as a user types them: {@code scripts/pfs serve}, {@code submit}, {@code result}, {@code run}. */
class PfsCommandsIT {
    static final Path PFS =
            Path.of("..", "..", "scripts", "pfs").toAbsolutePath().normalize();

    static Finished pfs(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PFS.toString()));
        command.addAll(List.of(args));
        return ChildProcess.command("pfs", command).env(env).run(Duration.ofSeconds(120));
    }

    @Test
    void serveSubmitResultAndRun(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            // --port 0: the server binds a port of the kernel's choosing and says which in its log.
            ChildProcess serve = ChildProcess.command(
                            "pfs serve", PFS.toString(), "serve", "--redis", redis.url(), "--port", "0")
                    .log(dir.resolve("serve.log"))
                    .start();
            try {
                int port = serve.awaitListeningPort(Duration.ofSeconds(120));
                Map<String, String> env = Map.of("PACKETFS_SERVER", "http://127.0.0.1:" + port);
                serve.awaitReady(
                        "answering",
                        Duration.ofSeconds(120),
                        () -> pfs(env, "result", "probe").code() == 5);

                Finished submitted =
                        pfs(env, "submit", "--op", "crc32c", "--data-base64", "MTIzNDU2Nzg5", "--job-id", "cli-1");
                assertEquals(0, submitted.code(), submitted.err());
                assertEquals(
                        "{\"job_id\":\"cli-1\",\"queued\":true}",
                        submitted.out().strip());
                Finished result = awaitResult(env, "cli-1");
                assertEquals(
                        3808858755L,
                        JobJson.readTree(result.out())
                                .get("result")
                                .get("checksum")
                                .asLong());

                Path file = dir.resolve("object.bin");
                Files.write(file, "xx123456789yy".getBytes(StandardCharsets.US_ASCII));
                Finished run =
                        pfs(env, "run", "--op", "crc32c", "--file", file.toString(), "--offset", "2", "--length", "9");
                assertEquals(0, run.code(), run.err());
                JsonNode r = JobJson.readTree(run.out());
                assertEquals(3808858755L, r.get("result").get("checksum").asLong());
                assertEquals(9, r.get("result").get("bytes_processed").asInt());

                Finished refused = pfs(env, "run", "--op", "add", "--substrate", "mars", "--data-base64", "AA==");
                assertEquals(2, refused.code());
                assertTrue(refused.err().contains("unknown substrate 'mars'"), refused.err());
                assertEquals(5, pfs(env, "result", "no-such-job").code());
                assertEquals(
                        1,
                        pfs(Map.of("PACKETFS_SERVER", "http://127.0.0.1:1"), "result", "x")
                                .code());
            } finally {
                serve.stop(Duration.ofSeconds(20));
            }
        }
    }

    private static Finished awaitResult(Map<String, String> env, String id) throws Exception {
        for (int i = 0; i < 100; i++) {
            Finished r = pfs(env, "result", id);
            if (r.code() != 4) {
                assertEquals(0, r.code(), r.out() + r.err());
                return r;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no result for " + id);
    }
}
