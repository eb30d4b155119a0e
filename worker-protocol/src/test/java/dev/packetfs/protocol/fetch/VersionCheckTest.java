package dev.packetfs.protocol.fetch;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.packetfs.kernel.ObjectVersion;
import dev.packetfs.kernel.ProgramJson;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every case of {@code worker-protocol/spec/version-checks.json}, which the JavaScript window reader runs too. */
class VersionCheckTest {
    static final String RESOURCE = "/dev/packetfs/protocol/spec/version-checks.json";

    static Stream<Arguments> cases() throws Exception {
        JsonNode spec;
        try (InputStream in = VersionCheckTest.class.getResourceAsStream(RESOURCE)) {
            spec = new ObjectMapper().readTree(in);
        }
        return StreamSupport.stream(spec.required("cases").spliterator(), false)
                .map(c -> Arguments.of(c.get("name").asText(), c));
    }

    /** The case's version, read as a program's {@code version} is. */
    static ObjectVersion version(JsonNode c) {
        return ProgramJson.parseVersion(c.get("version"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void judgesTheAnswerAsTheSpecSays(String name, JsonNode c) {
        Map<String, String> headers = new HashMap<>();
        c.get("headers")
                .fields()
                .forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
        var check = (org.junit.jupiter.api.function.Executable) () -> VersionCheck.check(
                version(c),
                c.get("status").asInt(),
                header -> headers.get(header.toLowerCase(Locale.ROOT)),
                "https://o.example/x");
        switch (c.get("outcome").asText()) {
            case "ok" -> assertDoesNotThrow(check);
            case "object_changed" ->
                assertEquals(
                        FetchException.Kind.OBJECT_CHANGED,
                        assertThrows(FetchException.class, check).kind());
            case "origin_rejected" ->
                assertEquals(
                        FetchException.Kind.BAD_REPLY,
                        assertThrows(FetchException.class, check).kind());
            default -> throw new AssertionError("unknown outcome " + c.get("outcome"));
        }
    }

    @Test
    void aMismatchNamesWhatThePlanSawAndWhatWasFound() {
        FetchException e = assertThrows(
                FetchException.class,
                () -> VersionCheck.check(
                        new ObjectVersion("\"v1\"", null, 10),
                        206,
                        h -> h.equals("ETag") ? "\"v2\"" : "bytes 0-9/10",
                        "https://o.example/x"));
        assertTrue(e.getMessage().contains("\"v1\"") && e.getMessage().contains("\"v2\""), e.getMessage());
    }

    @Test
    void thePreconditionIsIfMatchForAStrongTagIfUnmodifiedSinceForADateNothingElse() {
        assertEquals(Map.of("If-Match", "\"v1\""), VersionCheck.preconditions(new ObjectVersion("\"v1\"", null, 5)));
        assertEquals(
                Map.of("If-Unmodified-Since", "Sun, 06 Dec 2026 00:00:01 GMT"),
                VersionCheck.preconditions(new ObjectVersion(null, "Sun, 06 Dec 2026 00:00:01 GMT", -1)));
        assertEquals(Map.of(), VersionCheck.preconditions(new ObjectVersion("W/\"v1\"", null, 5)));
        assertEquals(Map.of(), VersionCheck.preconditions(new ObjectVersion(null, null, 5)));
        assertEquals(Map.of(), VersionCheck.preconditions(null));
    }

    @Test
    void aPlanPinsAStrongTagElseADateElseAWeakTagAndTheSize() {
        String date = "Sun, 06 Dec 2026 00:00:01 GMT";
        assertEquals(new ObjectVersion("\"s\"", null, 9), ObjectVersion.pin("\"s\"", date, 9));
        assertEquals(new ObjectVersion(null, date, 9), ObjectVersion.pin("W/\"w\"", date, 9));
        assertEquals(new ObjectVersion("W/\"w\"", null, 9), ObjectVersion.pin("W/\"w\"", null, 9));
        // A date in an obsolete form, or a tag that is not one, pins nothing but the size.
        assertEquals(
                new ObjectVersion(null, null, 9), ObjectVersion.pin("unquoted", "Sunday, 06-Dec-26 00:00:01 GMT", 9));
        assertEquals(null, ObjectVersion.pin(null, null, -1));
        assertTrue(ObjectVersion.pin("\"s\"", null, -1).validated());
        assertTrue(!ObjectVersion.pin(null, null, 9).validated());
    }
}
