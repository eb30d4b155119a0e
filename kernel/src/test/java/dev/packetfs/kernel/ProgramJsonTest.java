package dev.packetfs.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.packetfs.testing.GoldenVectors;
import org.junit.jupiter.api.Test;

class ProgramJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void appliesDefaults() throws Exception {
        Program p = ProgramJson.parse(json("{\"op\":\"add\",\"data\":\"AQID\"}"));
        assertEquals(Op.ADD, p.op());
        assertEquals(0, p.imm());
        assertEquals(0, p.offset());
        assertEquals(Program.TO_END, p.length());
        assertArrayEquals(new byte[] {1, 2, 3}, p.data());
    }

    @Test
    void nullMeansAbsent() throws Exception {
        Program p = ProgramJson.parse(
                json("{\"op\":\"xor\",\"imm\":null,\"length\":null,\"data_url\":null,\"data\":\"AQID\"}"));
        assertEquals(Program.TO_END, p.length());
        assertEquals(0, p.imm());
    }

    @Test
    void acceptsIntegralNumbersWrittenAsDecimals() throws Exception {
        Program p = ProgramJson.parse(json("{\"op\":\"add\",\"imm\":7.0,\"offset\":1e2,\"data\":\"\"}"));
        assertEquals(7, p.imm());
        assertEquals(100, p.offset());
    }

    @Test
    void messagesShowTheValueAsSent() throws Exception {
        ProgramException e = assertThrows(
                ProgramException.class,
                () -> ProgramJson.parse(json("{\"op\":\"add\",\"offset\":1e30,\"data\":\"\"}")));
        assertEquals("offset: must be an integer 0..9007199254740991, got 1.0E30", e.getMessage());
        e = assertThrows(ProgramException.class, () -> ProgramJson.parse(json("{\"op\":\"nope\",\"data\":\"\"}")));
        assertEquals("op: unknown op 'nope'; expected one of counteq, crc32c, fnv64, xor, add", e.getMessage());
    }

    @Test
    void writeThenParseRoundTrips() throws Exception {
        Program p = new Program(
                Op.FNV64, 9, "https://example.com/x", null, 5, 10, java.util.OptionalLong.of(0x0123456789abcdefL));
        JsonNode written = ProgramJson.write(p);
        assertTrue(
                GoldenVectors.sameJson(
                        json("{\"op\":\"fnv64\",\"imm\":9,\"data_url\":\"https://example.com/x\","
                                + "\"offset\":5,\"length\":10,\"fnv_state\":\"0123456789abcdef\"}"),
                        written),
                written::toString);
        Program back = ProgramJson.parse(written);
        assertEquals(p.toString(), back.toString());
    }

    @Test
    void theBase64CheckAgreesWithItsRegexOnEveryShortString() {
        // Every string of up to 5 characters over an alphabet with the edge characters.
        char[] alphabet = {'A', 'z', '0', '+', '/', '=', '-', ' '};
        java.util.List<String> strings = new java.util.ArrayList<>(java.util.List.of(""));
        for (int len = 1; len <= 5; len++) {
            java.util.List<String> next = new java.util.ArrayList<>();
            for (String s : strings) {
                if (s.length() == len - 1) {
                    for (char c : alphabet) {
                        next.add(s + c);
                    }
                }
            }
            strings.addAll(next);
        }
        for (String s : strings) {
            boolean byRegex =
                    s.length() % 4 != 1 && ProgramJson.BASE64.matcher(s).matches();
            assertEquals(byRegex, ProgramJson.standardBase64(s), "'" + s + "'");
        }
    }

    @Test
    void aDataUrlProgramNeedsItsObjectToRun() throws Exception {
        Program p = ProgramJson.parse(json("{\"op\":\"add\",\"data_url\":\"http://example.com/\"}"));
        ProgramException e = assertThrows(ProgramException.class, () -> Kernel.execute(p));
        assertEquals("data", e.field());
    }

    @org.junit.jupiter.api.Test
    void canonicalHostsAreAccepted() {
        for (String url : new String[] {
            "http://1.2.3.4/o",
            "https://255.255.255.255:8443/o",
            "http://0.0.0.0/o",
            "http://example.com/o",
            "http://x1.example/o",
            "http://[::1]/o",
            "http://user@1.2.3.4/o"
        }) {
            org.junit.jupiter.api.Assertions.assertEquals(
                    url,
                    new Program(Op.ADD, 0, url, null, 0, Program.TO_END, java.util.OptionalLong.empty()).dataUrl());
        }
    }
}
