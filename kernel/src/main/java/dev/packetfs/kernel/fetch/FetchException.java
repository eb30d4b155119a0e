package dev.packetfs.kernel.fetch;

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
        IO
    }

    private final Kind kind;

    public FetchException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public FetchException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
