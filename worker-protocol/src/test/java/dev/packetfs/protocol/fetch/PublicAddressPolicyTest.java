package dev.packetfs.protocol.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every address class DESIGN.md and the worker issue name, in every form it can be written. */
class PublicAddressPolicyTest {

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @ParameterizedTest(name = "{0} ({1})")
    @CsvSource({
        "127.0.0.1, loopback",
        "127.255.255.254, loopback range",
        "::1, IPv6 loopback",
        "0.0.0.0, unspecified",
        "::, IPv6 unspecified",
        "10.1.2.3, private 10/8",
        "172.16.0.1, private 172.16/12",
        "172.31.255.255, private 172.16/12 end",
        "192.168.1.1, private 192.168/16",
        "169.254.169.254, cloud metadata (AWS GCP Azure)",
        "169.254.0.1, IPv4 link-local",
        "100.64.0.1, carrier-grade NAT",
        "100.100.100.200, Alibaba metadata in CGNAT",
        "fd00:ec2::254, AWS IPv6 metadata",
        "fdaa::1, Fly.io 6PN private network",
        "fc00::1, unique local",
        "fe80::1, IPv6 link-local",
        "fec0::1, site-local",
        "224.0.0.1, multicast",
        "ff02::1, IPv6 multicast",
        "255.255.255.255, broadcast",
        "240.0.0.1, reserved",
        "198.18.0.1, benchmarking",
        "::ffff:127.0.0.1, IPv4-mapped loopback",
        "::ffff:169.254.169.254, IPv4-mapped metadata",
        "::ffff:10.0.0.1, IPv4-mapped private",
        "::127.0.0.1, IPv4-compatible loopback",
        "64:ff9b::a9fe:a9fe, NAT64 of the metadata address",
        "64:ff9b::7f00:1, NAT64 of loopback",
        "2002:7f00:1::, 6to4 of loopback",
        "2002:a9fe:a9fe::1, 6to4 of metadata",
    })
    void refuses(String literal, String what) throws Exception {
        assertTrue(PublicAddressPolicy.refused(ip(literal)), what);
        assertFalse(PublicAddressPolicy.strict().allows(literal, ip(literal)), what);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"8.8.8.8", "1.1.1.1", "93.184.215.14", "172.32.0.1", "100.128.0.1", "2606:4700::1111",
        "2001:4860:4860::8888", "64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"})
    void allowsPublicAddresses(String literal) throws Exception {
        assertFalse(PublicAddressPolicy.refused(ip(literal)), literal);
    }

    @Test
    void allowListExemptsAddressesBlocksAndHostNames() throws Exception {
        PublicAddressPolicy policy = PublicAddressPolicy.allowing(" 127.0.0.1 , 10.20.0.0/16,Objects.Internal ,");
        assertTrue(policy.allows("localhost", ip("127.0.0.1")));
        assertFalse(policy.allows("localhost", ip("127.0.0.2")));
        assertTrue(policy.allows("x", ip("10.20.99.1")));
        assertFalse(policy.allows("x", ip("10.21.0.1")));
        assertTrue(policy.allows("objects.internal", ip("192.168.5.5")));
        assertFalse(policy.allows("other.internal", ip("192.168.5.5")));
        assertFalse(policy.allows("x", ip("::1")), "an IPv4 entry does not exempt IPv6 loopback");
    }

    @Test
    void emptyAllowListsExemptNothing() throws Exception {
        for (String list : new String[] {null, "", " , "}) {
            assertFalse(PublicAddressPolicy.allowing(list).allows("127.0.0.1", ip("127.0.0.1")));
        }
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
