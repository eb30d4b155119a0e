package dev.packetfs.dispatch.substrate.browser;

/**
 * A volunteer's {@code error} answer to a lease, with the worker error code it gave, if any
 * (docs/volunteer-protocol.md). Untrusted, like everything a volunteer says: a code only decides
 * what the dispatcher checks next.
 */
final class VolunteerError extends RuntimeException {
    private final String node;
    private final String code;

    VolunteerError(String node, String code, String message) {
        super(message, null, false, false);
        this.node = node;
        this.code = code;
    }

    String node() {
        return node;
    }

    /** The volunteer says the object is no longer the version the program pins. */
    boolean objectChanged() {
        return "object_changed".equals(code);
    }
}
