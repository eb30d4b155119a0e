package dev.packetfs.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Error answers as typed exceptions: the status's type, the API's message and field, Retry-After. */
class ErrorAnswerTest {
    static HttpHeaders headers(Map<String, List<String>> map) {
        return HttpHeaders.of(map, (a, b) -> true);
    }

    static final HttpHeaders NONE = headers(Map.of());

    @Test
    void eachDocumentedStatusHasItsType() {
        Map<Integer, Class<? extends PacketfsException>> types = Map.ofEntries(
                Map.entry(400, BadRequestException.class),
                Map.entry(401, UnauthorizedException.class),
                Map.entry(403, ForbiddenException.class),
                Map.entry(404, NotFoundException.class),
                Map.entry(408, RequestTimeoutException.class),
                Map.entry(409, ConflictException.class),
                Map.entry(413, PayloadTooLargeException.class),
                Map.entry(415, UnsupportedMediaTypeException.class),
                Map.entry(429, TooManyRequestsException.class),
                Map.entry(500, InternalServerErrorException.class),
                Map.entry(503, ServiceUnavailableException.class));
        types.forEach((status, type) -> {
            PacketfsException e = PacketfsException.from(status, NONE, "{\"error\":\"x\"}");
            assertInstanceOf(type, e);
            assertEquals(status, e.status());
        });
        assertEquals(
                PacketfsException.class,
                PacketfsException.from(502, NONE, "Bad Gateway").getClass());
    }

    @Test
    void theMessageIsTheApisErrorOrAwssMessage() {
        PacketfsException bad = PacketfsException.from(
                400, NONE, "{\"error\":\"program.imm: must be an integer 0..255, got 256\",\"field\":\"program.imm\"}");
        assertEquals("program.imm: must be an integer 0..255, got 256", bad.getMessage());
        assertEquals(Optional.of("program.imm"), bad.field());
        PacketfsException forbidden = PacketfsException.from(403, NONE, "{\"Message\":\"Forbidden\"}");
        assertEquals("Forbidden", forbidden.getMessage());
        assertEquals(Optional.empty(), forbidden.field());
        assertEquals("{\"Message\":\"Forbidden\"}", forbidden.body());
        assertEquals(
                "<html>Not Found</html>",
                PacketfsException.from(404, NONE, "<html>Not Found</html>\n").getMessage());
        assertEquals("HTTP 413", PacketfsException.from(413, NONE, "").getMessage());
    }

    @Test
    void retryAfterIsReadInSecondsOrAsADate() {
        PacketfsException full = PacketfsException.from(
                429, headers(Map.of("Retry-After", List.of("5"))), "{\"error\":\"the queue is full\"}");
        assertEquals(Optional.of(Duration.ofSeconds(5)), full.retryAfter());
        String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(60));
        Duration d = ErrorAnswer.retryAfter(inAMinute);
        assertTrue(d.compareTo(Duration.ofSeconds(55)) > 0 && d.compareTo(Duration.ofSeconds(61)) <= 0, d.toString());
        assertEquals(Duration.ZERO, ErrorAnswer.retryAfter("Tue, 01 Jan 2019 00:00:00 GMT"));
        assertEquals(null, ErrorAnswer.retryAfter("soon"));
        assertEquals(Optional.empty(), PacketfsException.from(503, NONE, "{}").retryAfter());
    }

    @Test
    void idsArePathSegments() {
        assertEquals("scan-0001.a_b~c", DispatcherHttp.segment("scan-0001.a_b~c"));
        assertEquals("a%3Ab%20c%2Fd%C3%A9", DispatcherHttp.segment("a:b c/dé"));
    }
}
