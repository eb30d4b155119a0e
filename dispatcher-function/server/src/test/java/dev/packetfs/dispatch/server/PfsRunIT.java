package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.testing.ChildProcess.Finished;
import dev.packetfs.testing.RangeOrigin;
import dev.packetfs.testing.RedisServer;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pfs run --window} and {@code pfs watch} as a user runs them, off a terminal (only the
 * result, as JSON) and on one: a real pseudo-terminal from util-linux's {@code script}, where the
 * progress bar is drawn and Ctrl-C (a 0x03 typed into the terminal, which the terminal turns into
 * SIGINT) asks whether to cancel. A real dispatcher process on a real Redis, a real origin.
 */
class PfsRunIT {
    static final Path PFS = PfsCommandsIT.PFS;
    static final byte[] OBJECT = new byte[24 * 1024 * 1024 + 11];
    static RedisServer redis;
    static RangeOrigin origin;
    static DispatcherProcess dispatcher;
    static Map<String, String> env;

    @BeforeAll
    static void start() throws Exception {
        new SplittableRandom(42).nextBytes(OBJECT);
        redis = RedisServer.start();
        origin = new RangeOrigin();
        origin.put("obj", OBJECT);
        dispatcher = DispatcherProcess.start(
                "pfs-run",
                redis.url(),
                Map.of("PACKETFS_FETCH_ALLOW_HOSTS", "127.0.0.1", "PACKETFS_FANOUT_MAX_OUTSTANDING", "4"));
        env = Map.of("PACKETFS_SERVER", dispatcher.url());
    }

    @AfterAll
    static void stop() throws Exception {
        dispatcher.close();
        origin.close();
        redis.close();
    }

    static long single(Op op) {
        return Kernel.execute(Program.over(op, 0, OBJECT)).value();
    }

    @Test
    void offATerminalOnlyTheResultIsPrinted() throws Exception {
        Finished run = PfsCommandsIT.pfs(
                env,
                "run",
                "--op",
                "crc32c",
                "--url",
                origin.url("/ranged/obj"),
                "--window",
                "1MiB+1",
                "--substrates",
                "local");
        assertEquals(0, run.code(), run.err());
        assertEquals("", run.err());
        assertEquals(1, run.out().strip().lines().count(), run.out());
        JsonNode r = JobJson.readTree(run.out());
        assertEquals(single(Op.CRC32C), r.get("result").get("checksum").asLong());
        assertEquals(24, r.get("summary").get("windows").asInt());
        assertEquals(
                24,
                r.get("summary").get("substrates").get("local").get("windows").asInt());
    }

    @Test
    void aLocalFileIsServedForTheWindows(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("big object.bin");
        Files.write(file, OBJECT);
        Finished run = PfsCommandsIT.pfs(
                env, "run", "--op", "add", "--imm", "7", "--file", file.toString(), "--window", "3MiB", "--json");
        assertEquals(0, run.code(), run.err());
        assertEquals(
                Kernel.execute(Program.over(Op.ADD, 7, OBJECT)).value(),
                JobJson.readTree(run.out()).get("result").get("result").asLong());
        Finished far = PfsCommandsIT.pfs(
                Map.of("PACKETFS_SERVER", "http://dispatcher.invalid:8080"),
                "run",
                "--op",
                "add",
                "--file",
                file.toString(),
                "--window",
                "1MiB");
        assertEquals(2, far.code());
        assertTrue(far.err().contains("cannot reach: serve it over HTTP and use --url"), far.err());
        Finished bad =
                PfsCommandsIT.pfs(env, "run", "--op", "add", "--url", origin.url("/ranged/obj"), "--window", "1XB");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("'XB' is not a unit of size"), bad.err());
    }

    /** A command in a pseudo-terminal; what it drew is read from the typescript as it is written. */
    static final class Terminal implements AutoCloseable {
        final Process process;
        final Path typescript;
        final OutputStream keys;

        Terminal(Path dir, String... args) throws Exception {
            typescript = dir.resolve("typescript");
            StringBuilder command = new StringBuilder("exec ").append(PFS);
            for (String a : args) {
                command.append(" '").append(a).append("'");
            }
            List<String> argv = new ArrayList<>(List.of("script", "-qfec", command.toString(), typescript.toString()));
            ProcessBuilder pb = new ProcessBuilder(argv)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("out").toFile());
            pb.environment().putAll(env);
            pb.environment().put("TERM", "xterm");
            process = pb.start();
            keys = process.getOutputStream();
        }

        String screen() throws Exception {
            return Files.exists(typescript) ? Files.readString(typescript, StandardCharsets.UTF_8) : "";
        }

        String awaitScreen(String text) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                String s = screen();
                if (s.contains(text)) {
                    return s;
                }
                if (!process.isAlive()) {
                    throw new AssertionError("exited (" + process.exitValue() + ") before showing '" + text + "':\n" + s
                            + "\nscript said: " + Files.readString(typescript.resolveSibling("out")));
                }
                Thread.sleep(20);
            }
            throw new AssertionError("never showed '" + text + "':\n" + screen());
        }

        void type(String text) throws Exception {
            keys.write(text.getBytes(StandardCharsets.UTF_8));
            keys.flush();
        }

        int exitCode() throws Exception {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the command did not end:\n" + screen());
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    @Test
    void onATerminalABarIsDrawnAndTheResultFollows(@TempDir Path dir) throws Exception {
        try (Terminal t = new Terminal(
                dir,
                "run",
                "--op",
                "xor",
                "--imm",
                "0",
                "--url",
                origin.url("/delay/20/ranged/obj"),
                "--window",
                "512KiB",
                "--job-id",
                "tty-bar")) {
            String screen = t.awaitScreen("one version of the object");
            assertEquals(0, t.exitCode(), screen);
            assertTrue(screen.contains("/49 windows"), "the bar counts windows: " + screen);
            assertTrue(screen.contains("MB/s"), screen);
            // The result in words, not JSON (--json gives that), then the windows per substrate.
            assertTrue(screen.contains("tty-bar succeeded"), screen);
            assertTrue(screen.matches("(?s).*\\n  result +" + single(Op.XOR) + "\\r?\\n.*"), screen);
            assertTrue(!screen.contains("\"status\""), "no JSON on a terminal: " + screen);
            assertTrue(
                    screen.contains("substrate") && screen.contains("local"), "windows per substrate after the result");
        }
    }

    @Test
    void ctrlCAsksAndCancelsOrLeavesTheJobRunning(@TempDir Path dir) throws Exception {
        Path one = Files.createDirectory(dir.resolve("cancel"));
        try (Terminal t = new Terminal(
                one,
                "run",
                "--op",
                "fnv64",
                "--url",
                origin.url("/delay/60/ranged/obj"),
                "--window",
                "256KiB",
                "--job-id",
                "tty-cancel")) {
            t.awaitScreen("/97 windows ("); // planned: the bar counts its windows
            t.type("\u0003");
            t.awaitScreen("Cancel job tty-cancel? [y/N]");
            t.type("y\n");
            t.awaitScreen("tty-cancel cancelling");
            assertEquals(130, t.exitCode());
        }
        JsonNode cancelled = awaitResult("tty-cancel");
        assertEquals("failed", cancelled.get("status").asText());
        assertTrue(
                cancelled.get("error").asText().startsWith("cancelled (DELETE /jobs/tty-cancel) after "),
                cancelled.toString());

        Path two = Files.createDirectory(dir.resolve("leave"));
        try (Terminal t = new Terminal(
                two,
                "run",
                "--op",
                "fnv64",
                "--url",
                origin.url("/delay/200/ranged/obj"),
                "--window",
                "1MiB",
                "--job-id",
                "tty-leave")) {
            t.awaitScreen("/25 windows (");
            t.type("\u0003");
            t.awaitScreen("[y/N]");
            t.type("\n");
            assertTrue(t.awaitScreen("left running").contains("pfs watch tty-leave"));
            assertEquals(130, t.exitCode());
        }
        Finished watched = PfsCommandsIT.pfs(env, "watch", "tty-leave");
        assertEquals(0, watched.code(), watched.err());
        assertEquals(
                single(Op.FNV64),
                Long.parseUnsignedLong(
                        JobJson.readTree(watched.out())
                                .get("result")
                                .get("hash")
                                .asText(),
                        16));
    }

    static JsonNode awaitResult(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Finished r = PfsCommandsIT.pfs(env, "result", id);
            if (r.code() != 4) {
                return JobJson.readTree(r.out());
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no result for " + id);
    }
}
