package dev.packetfs.protocol.fetch;

/** A window that could not be read from its {@code data_url}, with the reason in {@link #kind()}. */
public class FetchException extends Exception {

    /** Why a fetch failed; workers map these to one error vocabulary. */
    public enum Kind {
        /** The URL's host resolves to an address the policy refuses (loopback, private, metadata...). */
        ADDRESS_REFUSED,
        /** The origin answered with a status that is not a window (404, 500, a redirect loop...). */
        HTTP_STATUS,
        /** The window is larger than this fetcher may read. */
        TOO_LARGE,
        /** The origin did not deliver the window in time. */
        TIMEOUT,
        /** Connection or protocol failure. */
        IO,
        /**
         * The origin's answer makes no sense as a window: a malformed {@code Location} or
         * {@code Content-Range}, a redirect to something other than http or https, a range that
         * is not the one asked for.
         */
        BAD_REPLY,
        /**
         * The object is no longer the version the program pins (docs/kernel.md#versions): the
         * origin answered 412 to the precondition, or an ETag, Last-Modified or size that differs.
         */
        OBJECT_CHANGED
    }

    private final Kind kind;
    private final int httpStatus;

    public FetchException(Kind kind, String message) {
        this(kind, message, 0, null);
    }

    public FetchException(Kind kind, String message, Throwable cause) {
        this(kind, message, 0, cause);
    }

    public FetchException(Kind kind, String message, int httpStatus, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.httpStatus = httpStatus;
    }

    public Kind kind() {
        return kind;
    }

    /** The origin's status for {@link Kind#HTTP_STATUS}, else 0. */
    public int httpStatus() {
        return httpStatus;
    }

    /**
     * True when trying again later may succeed: timeouts, broken connections, 5xx and 429 from
     * the origin. A refused address, a 4xx, an oversize window or a changed object will fail the
     * same way again.
     */
    public boolean transientFailure() {
        return switch (kind) {
            case TIMEOUT, IO -> true;
            case HTTP_STATUS -> httpStatus >= 500 || httpStatus == 429;
            case ADDRESS_REFUSED, TOO_LARGE, BAD_REPLY, OBJECT_CHANGED -> false;
        };
    }
}
