package dev.packetfs.protocol.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of {@code worker-protocol/spec/address-rules.json}, the file the JavaScript Worker's
 * tests run too. Only literals are parsed here: {@link InetAddress#getByName} on a literal does no
 * DNS look-up and nothing is ever connected to.
 */
class PublicAddressPolicyTest {
    private static final JsonNode RULES = readRules();

    private static JsonNode readRules() {
        try (InputStream in = PublicAddressPolicyTest.class.getResourceAsStream(AddressRules.RESOURCE)) {
            return new ObjectMapper().readTree(in);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetAddress ip(String literal) throws Exception {
        assertTrue(
                literal.indexOf(':') >= 0 || literal.chars().allMatch(c -> c == '.' || Character.isDigit(c)),
                literal + " must be a literal: this test never resolves names");
        return InetAddress.getByName(literal);
    }

    static Stream<Arguments> refusedAddresses() {
        return stream("refused_addresses")
                .map(c -> Arguments.of(c.get("address").asText(), c.get("why").asText()));
    }

    static Stream<String> allowedAddresses() {
        return stream("allowed_addresses").map(JsonNode::asText);
    }

    static Stream<Arguments> refusedUrls() {
        return stream("refused_urls")
                .map(c -> Arguments.of(c.get("url").asText(), c.get("why").asText()));
    }

    static Stream<Arguments> allowListCases() {
        return stream("allow_list_cases")
                .map(c -> Arguments.of(
                        c.get("allow").asText(),
                        c.get("host").asText(),
                        c.get("address").asText(),
                        c.get("allowed").asBoolean()));
    }

    private static Stream<JsonNode> stream(String field) {
        List<JsonNode> cases = new ArrayList<>();
        RULES.required(field).forEach(cases::add);
        assertFalse(cases.isEmpty(), field + " has no cases");
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("refusedAddresses")
    void refuses(String literal, String what) throws Exception {
        assertTrue(PublicAddressPolicy.refused(ip(literal)), what);
        assertNotNull(PublicAddressPolicy.refusal(ip(literal)), what);
        assertFalse(PublicAddressPolicy.strict().allows(literal, ip(literal)), what);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allowedAddresses")
    void allowsPublicAddresses(String literal) throws Exception {
        assertFalse(PublicAddressPolicy.refused(ip(literal)), literal);
        assertTrue(PublicAddressPolicy.strict().allows(literal, ip(literal)), literal);
    }

    /**
     * Each URL is refused before any connection: as a program (a host {@link URI} does not read as
     * a host name or address) or by the policy, for the literal the fetcher's client connects to.
     */
    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("refusedUrls")
    void refusesUrlSpellings(String url, String what) throws Exception {
        try {
            new Program(Op.COUNTEQ, 0, url, null, 0, Program.TO_END, OptionalLong.empty());
        } catch (ProgramException refusedAsProgram) {
            assertEquals("data_url", refusedAsProgram.field(), what);
            return;
        }
        String host = URI.create(url).getHost();
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        InetAddress address = ip(bare);
        assertEquals(address, PublicAddressPolicy.strict().firstRefused(bare, new InetAddress[] {address}), what);
    }

    @ParameterizedTest(name = "allow \"{0}\": {1} at {2} → {3}")
    @MethodSource("allowListCases")
    void allowLists(String allow, String host, String address, boolean allowed) throws Exception {
        assertEquals(allowed, PublicAddressPolicy.allowing(allow).allows(host, ip(address)));
    }

    @Test
    void aRefusalNamesItsRule() throws Exception {
        assertEquals("127.0.0.0/8, loopback", PublicAddressPolicy.refusal(ip("127.0.0.2")));
        assertEquals(
                "64:ff9b::/96 NAT64 169.254.169.254: 169.254.0.0/16, link-local, with the metadata service at 169.254.169.254",
                PublicAddressPolicy.refusal(ip("64:ff9b::a9fe:a9fe")));
        assertEquals("10.0.0.1 (10.0.0.0/8, private)", AddressPolicy.describe("10.0.0.1", ip("10.0.0.1")));
        assertEquals(
                "files.example resolves to 10.0.0.1 (10.0.0.0/8, private)",
                AddressPolicy.describe("files.example", ip("10.0.0.1")));
    }

    @Test
    void everyRefusedBlockIsLoaded() {
        assertEquals(
                RULES.get("refused_blocks").size(),
                AddressRules.load().refused().size());
        assertEquals(
                RULES.get("wrapped_ipv4").size(), AddressRules.load().wrapped().size());
    }

    @Test
    void cidrParsing() throws Exception {
        assertEquals(16, Cidr.parse("fdaa::/16").prefixLength());
        assertTrue(Cidr.parse("10.0.0.0/8").contains(ip("10.255.0.1")));
        assertTrue(Cidr.parse("172.16.0.0/12").contains(ip("172.31.0.1")));
        assertFalse(Cidr.parse("172.16.0.0/12").contains(ip("172.32.0.1")));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com/8"));
    }
}
