package dev.packetfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.testing.ChildProcess;
import dev.packetfs.testing.ChildProcess.Finished;
import dev.packetfs.testing.RangeOrigin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code scripts/pfs exec} as a user runs it: a real process, its stdout, stderr and exit code. */
class PfsCommandIT {
    private static final Path PFS =
            Path.of("..", "scripts", "pfs").toAbsolutePath().normalize();

    static Finished pfs(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PFS.toString()));
        command.addAll(List.of(args));
        return ChildProcess.command("pfs", command).run(Duration.ofSeconds(120));
    }

    @Test
    void printsStandardCheckValues() throws Exception {
        assertEquals(
                new Finished(0, "{\"checksum\":3808858755,\"bytes_processed\":9}\n", ""),
                pfs("exec", "--op", "crc32c", "--data-base64", "MTIzNDU2Nzg5"));
        // Twice: the second run reads the class-data archive the first one wrote.
        assertEquals(
                new Finished(0, "{\"hash\":\"85944171f73967e8\",\"bytes_processed\":6}\n", ""),
                pfs("exec", "--op", "fnv64", "--data-base64", "Zm9vYmFy"));
        assertEquals(
                new Finished(0, "{\"hash\":\"85944171f73967e8\",\"bytes_processed\":6}\n", ""),
                pfs("exec", "--op", "fnv64", "--data-base64", "Zm9vYmFy"));
    }

    @Test
    void readsAFileWindow(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("o.bin");
        Files.write(file, new byte[] {9, 9, 9, 1, 1});
        assertEquals(
                new Finished(0, "{\"count\":2,\"bytes_processed\":3}\n", ""),
                pfs(
                        "exec",
                        "--op",
                        "counteq",
                        "--imm",
                        "9",
                        "--offset",
                        "1",
                        "--length",
                        "3",
                        "--file",
                        file.toString()));
    }

    @Test
    void readsAUrlWindowAndPrintsNothingElse() throws Exception {
        try (RangeOrigin origin = new RangeOrigin()) {
            origin.put("digits", "xx123456789".getBytes(StandardCharsets.US_ASCII));
            assertEquals(
                    new Finished(0, "{\"checksum\":3808858755,\"bytes_processed\":9}\n", ""),
                    pfs("exec", "--op", "crc32c", "--offset", "2", "--url", origin.url("/ranged/digits")));
            Finished missing = pfs("exec", "--op", "crc32c", "--url", origin.url("/status/404"));
            assertEquals(1, missing.code());
            assertEquals(
                    "pfs exec: " + origin.url("/status/404") + " answered HTTP 404 to a range request\n",
                    missing.err());
        }
    }

    @Test
    void aBadArgumentExitsTwoWithOneLine() throws Exception {
        for (String[] args : new String[][] {
            {"exec", "--op", "nope", "--data-base64", "AA=="},
            {"exec", "--op", "add", "--imm", "300", "--data-base64", "AA=="},
            {"exec", "--op", "add"},
            {"frobnicate"},
        }) {
            Finished run = pfs(args);
            assertEquals(2, run.code(), String.join(" ", args));
            assertEquals("", run.out(), String.join(" ", args));
            assertFalse(run.err().contains("\tat "), run.err());
            assertTrue(run.err().startsWith("pfs"), run.err());
        }
        assertEquals(
                1,
                pfs("exec", "--op", "add", "--imm", "300", "--data-base64", "AA==")
                        .err()
                        .lines()
                        .count());
    }
}
