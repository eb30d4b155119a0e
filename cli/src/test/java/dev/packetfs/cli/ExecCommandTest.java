package dev.packetfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecCommandTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "exec";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = Pfs.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void printsTheResultAsOneJsonLine() {
        Run r = run("--op", "crc32c", "--data-base64", "MTIzNDU2Nzg5");
        assertEquals(0, r.code());
        assertEquals("{\"checksum\":3808858755,\"bytes_processed\":9}\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void streamsAWindowOfAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("object");
        Files.write(file, "xx123456789yy".getBytes());
        Run r = run("--op", "crc32c", "--file", file.toString(), "--offset", "2", "--length", "9");
        assertEquals("{\"checksum\":3808858755,\"bytes_processed\":9}\n", r.out());
        r = run("--op", "counteq", "--imm", "120", "--file", file.toString(), "--offset", "1");
        assertEquals("{\"count\":1,\"bytes_processed\":12}\n", r.out());
        r = run("--op", "fnv64", "--file", file.toString(), "--offset", "100");
        assertEquals("{\"hash\":\"cbf29ce484222325\",\"bytes_processed\":0}\n", r.out());
    }

    @Test
    void chainsFnvThroughTheState() {
        // fnv64("foobar") continued from fnv64("foo")
        String foo =
                run("--op", "fnv64", "--data-base64", "Zm9v").out().replaceAll(".*\"hash\":\"(\\w+)\".*\\s*", "$1");
        Run r = run("--op", "fnv64", "--fnv-state", foo, "--data-base64", "YmFy");
        assertEquals("{\"hash\":\"85944171f73967e8\",\"bytes_processed\":3}\n", r.out());
    }

    @Test
    void badArgumentsExitTwoWithOneLineAndNoStackTrace(@TempDir Path dir) {
        String[][] bad = {
            {"--op", "sha1", "--data-base64", "AA=="},
            {"--op", "add", "--imm", "256", "--data-base64", "AA=="},
            {"--op", "add", "--imm", "x", "--data-base64", "AA=="},
            {"--op", "add", "--offset", "-1", "--data-base64", "AA=="},
            {"--op", "add", "--data-base64", "not base64!"},
            {"--op", "add"},
            {"--op", "add", "--data-base64", "AA==", "--file", "x"},
            {"--op", "add", "--file", dir.resolve("missing").toString()},
            {"--op", "add", "--fnv-state", "12", "--data-base64", "AA=="},
            {"--op", "fnv64", "--fnv-state", "12", "--data-base64", "AA=="},
            {"--op", "add", "--url", "ftp://example.com/x"},
            {"--bogus"},
        };
        for (String[] args : bad) {
            Run r = run(args);
            String shown = String.join(" ", args);
            assertEquals(2, r.code(), shown + " -> " + r.err());
            assertEquals("", r.out(), shown);
            assertTrue(r.err().startsWith("pfs exec: "), shown + " -> " + r.err());
            assertEquals(1, r.err().lines().count(), shown + " -> " + r.err());
            assertFalse(r.err().contains("\tat "), shown);
        }
    }

    @Test
    void anUnreachableUrlExitsOne() {
        Run r = run("--op", "add", "--url", "http://127.0.0.1:1/object");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("pfs exec: could not read http://127.0.0.1:1/object"), r.err());
    }
}
