package dev.packetfs.protocol.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The refused address blocks and the IPv6 forms that wrap an IPv4 address, as
 * {@code worker-protocol/spec/address-rules.json} states them for every runtime (the Cloudflare
 * Worker reads the same file), packaged on the class path at {@link #RESOURCE}.
 */
record AddressRules(List<Block> refused, List<Wrapped> wrapped) {
    static final String RESOURCE = "/dev/packetfs/protocol/spec/address-rules.json";

    /** A refused block and why. */
    record Block(String text, Cidr cidr, String why) {}

    /**
     * An IPv6 prefix whose addresses carry an IPv4 address at byte {@code at}. The cidr is null for
     * the IPv4-mapped form: the JVM turns {@code ::ffff:a.b.c.d} into the IPv4 address as it parses
     * or resolves it, so such an address meets the refused blocks as IPv4 already.
     */
    record Wrapped(String form, String prefix, Cidr cidr, int at) {
        /** The IPv4 address {@code address} wraps in this form, or null if it is not of this form. */
        InetAddress unwrap(InetAddress address) {
            if (cidr == null || !cidr.contains(address)) {
                return null;
            }
            try {
                return InetAddress.getByAddress(Arrays.copyOfRange(address.getAddress(), at, at + 4));
            } catch (UnknownHostException impossible) { // four bytes are always an address
                throw new IllegalStateException(impossible);
            }
        }
    }

    /** "block, why" of the first refused block holding {@code address}; null if none does. */
    String refusing(InetAddress address) {
        for (Block b : refused) {
            if (b.cidr().contains(address)) {
                return b.text() + ", " + b.why();
            }
        }
        return null;
    }

    static AddressRules load() {
        try (InputStream in = AddressRules.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            return parse(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    static AddressRules parse(JsonNode rules) {
        List<Block> refused = new ArrayList<>();
        for (JsonNode b : rules.required("refused_blocks")) {
            String text = b.required("block").asText();
            refused.add(new Block(text, Cidr.parse(text), b.required("why").asText()));
        }
        List<Wrapped> wrapped = new ArrayList<>();
        for (JsonNode w : rules.required("wrapped_ipv4")) {
            String prefix = w.required("prefix").asText();
            int at = w.required("ipv4_at_byte").asInt();
            if (Cidr.parse(prefix.split("/")[0]).network().length == 4) { // IPv4-mapped, see Wrapped
                wrapped.add(new Wrapped(w.required("form").asText(), prefix, null, at));
                continue;
            }
            Cidr cidr = Cidr.parse(prefix);
            if (at < 0 || at > 12) {
                throw new IllegalArgumentException(
                        "wrapped_ipv4 " + prefix + ": not an IPv6 prefix with room for IPv4 at " + at);
            }
            wrapped.add(new Wrapped(w.required("form").asText(), prefix, cidr, at));
        }
        if (refused.isEmpty()) {
            throw new IllegalArgumentException("address rules refuse nothing");
        }
        return new AddressRules(List.copyOf(refused), List.copyOf(wrapped));
    }
}
