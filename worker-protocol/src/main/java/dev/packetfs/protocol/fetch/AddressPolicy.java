package dev.packetfs.protocol.fetch;

import java.net.InetAddress;

/** Decides whether a fetcher may connect to an address a {@code data_url}'s host resolved to. */
@FunctionalInterface
public interface AddressPolicy {

    /** True when {@code host} (as written in the URL) may be reached at {@code address}. */
    boolean allows(String host, InetAddress address);

    /** The first of the addresses {@code host} resolved to that may not be reached, or null if all may. */
    default InetAddress firstRefused(String host, InetAddress[] addresses) {
        for (InetAddress address : addresses) {
            if (!allows(host, address)) {
                return address;
            }
        }
        return null;
    }

    /** "host resolves to address (the rule that refuses it)", for error messages. */
    static String describe(String host, InetAddress refused) {
        String rule = PublicAddressPolicy.refusal(refused);
        String address = refused.getHostAddress();
        return (host.equals(address) ? host : host + " resolves to " + address)
                + (rule == null ? "" : " (" + rule + ")");
    }

    /** No refusals: for a command run with the operator's own authority, such as {@code pfs exec}. */
    static AddressPolicy allowAll() {
        return (host, address) -> true;
    }
}
