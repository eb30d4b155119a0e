package dev.packetfs.dispatch.substrate.browser;

import dev.packetfs.kernel.Program;

/**
 * Whether volunteers may be sent to fetch a program's {@code data_url}: a volunteer must never be
 * made to fetch from its own network (loopback, private, link-local, metadata addresses), whatever
 * the trusted substrates may fetch.
 */
@FunctionalInterface
public interface VolunteerAddressCheck {

    /** Why volunteers may not fetch this program's {@code data_url}, naming the rule; null when they may. */
    String refusal(Program program);
}
