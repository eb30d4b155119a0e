package dev.packetfs.protocol.fetch;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Lets a worker fetch only from public internet addresses: refuses loopback, private, link-local,
 * carrier-grade NAT, unique-local, multicast, reserved and cloud metadata addresses (DESIGN.md,
 * "Security rules"), including IPv4 addresses wrapped in IPv6 forms (mapped, NAT64, 6to4), unless
 * an allow-list entry exempts them. Applied to every address a host resolves to, on every hop.
 */
public final class PublicAddressPolicy implements AddressPolicy {

    private static final List<Cidr> REFUSED = blocks(
            // IPv4
            "0.0.0.0/8", //          "this network"; 0.0.0.0 reaches the local host on Linux
            "10.0.0.0/8", //         private
            "100.64.0.0/10", //      carrier-grade NAT (also Alibaba's metadata, 100.100.100.200)
            "127.0.0.0/8", //        loopback
            "169.254.0.0/16", //     link-local, with the metadata service at 169.254.169.254
            "172.16.0.0/12", //      private
            "192.0.0.0/24", //       IETF protocol assignments
            "192.0.2.0/24", //       documentation
            "192.168.0.0/16", //     private
            "198.18.0.0/15", //      benchmarking
            "198.51.100.0/24", //    documentation
            "203.0.113.0/24", //     documentation
            "224.0.0.0/4", //        multicast
            "240.0.0.0/4", //        reserved, and the broadcast address
            // IPv6
            "::/128", //             unspecified
            "::1/128", //            loopback
            "100::/64", //           discard
            "2001:db8::/32", //      documentation
            "fc00::/7", //           unique local, with AWS metadata fd00:ec2::254 and Fly's fdaa::/16
            "fe80::/10", //          link-local
            "fec0::/10", //          site-local (deprecated, still routed by some stacks)
            "ff00::/8"); //          multicast

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
        if (inAny(REFUSED, address)) {
            return true;
        }
        InetAddress embedded = embeddedIpv4(address.getAddress());
        return embedded != null && inAny(REFUSED, embedded);
    }

    /**
     * The IPv4 address inside IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64
     * (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::) addresses; null for other addresses.
     */
    static InetAddress embeddedIpv4(byte[] a) {
        if (a.length != 16) {
            return null;
        }
        boolean zeroTo10 = true;
        for (int i = 0; i < 10; i++) {
            zeroTo10 &= a[i] == 0;
        }
        boolean mapped = zeroTo10 && a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
        boolean compatible = zeroTo10 && a[10] == 0 && a[11] == 0;
        boolean nat64 = a[0] == 0 && a[1] == 0x64 && a[2] == (byte) 0xFF && a[3] == (byte) 0x9B
                && a[4] == 0 && a[5] == 0 && a[6] == 0 && a[7] == 0 && a[8] == 0 && a[9] == 0 && a[10] == 0 && a[11] == 0;
        int from;
        if (mapped || compatible || nat64) {
            from = 12;
        } else if (a[0] == 0x20 && a[1] == 0x02) {
            from = 2; // 6to4
        } else {
            return null;
        }
        try {
            return InetAddress.getByAddress(new byte[] {a[from], a[from + 1], a[from + 2], a[from + 3]});
        } catch (java.net.UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static boolean inAny(List<Cidr> blocks, InetAddress address) {
        for (Cidr block : blocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static List<Cidr> blocks(String... cidrs) {
        return java.util.Arrays.stream(cidrs).map(Cidr::parse).toList();
    }
}
