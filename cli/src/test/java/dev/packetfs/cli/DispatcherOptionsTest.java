package dev.packetfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.client.PacketfsException;
import dev.packetfs.client.Signing;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When pfs signs, and what the client's errors mean to a user: message and exit code. */
class DispatcherOptionsTest {
    static PacketfsException answered(int status, String body) {
        return PacketfsException.from(status, HttpHeaders.of(Map.of(), (a, b) -> true), body);
    }

    @Test
    void theOptionWinsThenTheEnvironmentThenTheHost() throws Exception {
        assertEquals(Signing.AWS_SIGV4, DispatcherOptions.signing(true, "0"));
        assertEquals(Signing.NONE, DispatcherOptions.signing(false, "1"));
        assertEquals(Signing.AWS_SIGV4, DispatcherOptions.signing(null, "1"));
        assertEquals(Signing.AWS_SIGV4, DispatcherOptions.signing(null, "TRUE"));
        assertEquals(Signing.NONE, DispatcherOptions.signing(null, "0"));
        assertEquals(Signing.AUTO, DispatcherOptions.signing(null, null));
        assertEquals(Signing.AUTO, DispatcherOptions.signing(null, ""));
        Pfs.CliException bad = assertThrows(Pfs.CliException.class, () -> DispatcherOptions.signing(null, "maybe"));
        assertEquals(Pfs.BAD_ARGUMENT, bad.exitCode());
    }

    @Test
    void refusalsOfWhoYouAreAreBadArgumentsAndFailuresOfTheDispatcherUnreachable() {
        Pfs.CliException key =
                (Pfs.CliException) DispatcherOptions.explain(answered(401, "{\"error\":\"wrong API key\"}"));
        assertEquals(Pfs.BAD_ARGUMENT, key.exitCode());
        assertEquals("the dispatcher refused the API key: wrong API key", key.getMessage());
        Pfs.CliException forbidden =
                (Pfs.CliException) DispatcherOptions.explain(answered(403, "{\"Message\":\"Forbidden\"}"));
        assertEquals(Pfs.BAD_ARGUMENT, forbidden.exitCode());
        assertTrue(
                forbidden.getMessage().startsWith("the dispatcher refused the request (403 Forbidden)")
                        && forbidden.getMessage().contains("--aws-sigv4"),
                forbidden.getMessage());
        Pfs.CliException down = (Pfs.CliException)
                DispatcherOptions.explain(answered(503, "{\"error\":\"the queue is unavailable; try again shortly\"}"));
        assertEquals(Pfs.UNREACHABLE, down.exitCode());
        assertEquals("the dispatcher answered 503: the queue is unavailable; try again shortly", down.getMessage());
        assertTrue(DispatcherOptions.general(answered(500, "{}")) && DispatcherOptions.general(answered(401, "{}")));
        assertTrue(!DispatcherOptions.general(answered(400, "{}")) && !DispatcherOptions.general(answered(429, "{}")));
        IOException other = new IOException("disk");
        assertSame(other, DispatcherOptions.explain(other));
        assertInstanceOf(Pfs.CliException.class, DispatcherOptions.explain(answered(502, "Bad Gateway")));
    }
}
