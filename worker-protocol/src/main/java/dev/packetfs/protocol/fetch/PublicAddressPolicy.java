package dev.packetfs.protocol.fetch;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Lets a worker fetch only from public internet addresses: refuses loopback, private, link-local,
 * carrier-grade NAT, unique-local, multicast, reserved and cloud metadata addresses
 * (docs/security.md), including IPv4 addresses wrapped in IPv6 forms (mapped, NAT64, 6to4), unless
 * an allow-list entry exempts them. Applied to every address a host resolves to, on every hop.
 */
public final class PublicAddressPolicy implements AddressPolicy {

    /** The refused blocks and wrapped forms of {@code worker-protocol/spec/address-rules.json}. */
    private static final AddressRules RULES = AddressRules.load();

    private final Set<String> allowedHosts;
    private final List<Cidr> allowedBlocks;

    private PublicAddressPolicy(Set<String> allowedHosts, List<Cidr> allowedBlocks) {
        this.allowedHosts = allowedHosts;
        this.allowedBlocks = allowedBlocks;
    }

    /** No exemptions. */
    public static PublicAddressPolicy strict() {
        return new PublicAddressPolicy(Set.of(), List.of());
    }

    /**
     * With exemptions from a comma-separated list of host names (matched exactly, case-insensitive,
     * against the URL's host) and IP addresses or CIDR blocks (matched against resolved addresses),
     * the form of {@code PACKETFS_FETCH_ALLOW_HOSTS}. Blank or null means no exemptions.
     */
    public static PublicAddressPolicy allowing(String allowList) {
        Set<String> hosts = new TreeSet<>();
        List<Cidr> blocks = new ArrayList<>();
        if (allowList != null) {
            for (String entry : allowList.split(",")) {
                String e = entry.trim();
                if (e.isEmpty()) {
                    continue;
                }
                if (Cidr.isLiteral(e)) {
                    blocks.add(Cidr.parse(e));
                } else {
                    hosts.add(e.toLowerCase(Locale.ROOT));
                }
            }
        }
        return new PublicAddressPolicy(Set.copyOf(hosts), List.copyOf(blocks));
    }

    @Override
    public boolean allows(String host, InetAddress address) {
        if (allowedHosts.contains(host.toLowerCase(Locale.ROOT)) || inAny(allowedBlocks, address)) {
            return true;
        }
        return !refused(address);
    }

    /** True for an address a worker must not fetch from, whatever form it is written in. */
    public static boolean refused(InetAddress address) {
        return refusal(address) != null;
    }

    /**
     * The rule that refuses {@code address}, as a reader should see it ("127.0.0.0/8, loopback",
     * or "::ffff:0:0/96 IPv4-mapped 10.0.0.1: 10.0.0.0/8, private"); null when none does.
     */
    public static String refusal(InetAddress address) {
        String direct = RULES.refusing(address);
        if (direct != null) {
            return direct;
        }
        for (AddressRules.Wrapped form : RULES.wrapped()) {
            InetAddress inner = form.unwrap(address);
            String why = inner == null ? null : RULES.refusing(inner);
            if (why != null) {
                return form.prefix() + " " + form.form() + " " + inner.getHostAddress() + ": " + why;
            }
        }
        return null;
    }

    private static boolean inAny(List<Cidr> blocks, InetAddress address) {
        for (Cidr block : blocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
