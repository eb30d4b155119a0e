package dev.packetfs.protocol.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 address block such as {@code 10.0.0.0/8} or {@code fdaa::/16}. */
public record Cidr(byte[] network, int prefixLength) {

    /**
     * Parses {@code address/prefix} or a bare address (a block of one). Only literals are
     * accepted, never host names, so parsing does no DNS lookup.
     */
    public static Cidr parse(String text) {
        String[] parts = text.trim().split("/", 2);
        byte[] address = literal(parts[0]);
        int bits = address.length * 8;
        int prefix = parts.length == 1 ? bits : Integer.parseInt(parts[1]);
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("bad prefix length in " + text);
        }
        return new Cidr(address, prefix);
    }

    /** True when {@code address} lies in this block (an IPv4 block never holds an IPv6 address). */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (a[full] & mask) == (network[full] & mask);
    }

    /** True when {@code text} is an IP literal (with or without a prefix), not a host name. */
    static boolean isLiteral(String text) {
        String address = text.trim().split("/", 2)[0];
        return address.contains(":") || address.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    private static byte[] literal(String text) {
        if (!isLiteral(text)) {
            throw new IllegalArgumentException("not an IP address: " + text);
        }
        try {
            // getByName does no lookup for a literal.
            return InetAddress.getByName(text.trim()).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + text, e);
        }
    }
}
