package dev.packetfs.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;

/**
 * No answer came from the dispatcher: the connection was refused or timed out, the name did not
 * resolve, the connection broke, or the answer did not come within the request timeout. The
 * cause is the JDK's {@link IOException} ({@link java.net.ConnectException},
 * {@link java.net.http.HttpTimeoutException}, …).
 */
public final class DispatcherUnreachableException extends UncheckedIOException {
    private final URI server;

    DispatcherUnreachableException(URI server, IOException cause) {
        super(
                "cannot reach the dispatcher at " + server + ": "
                        + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()),
                cause);
        this.server = server;
    }

    /** The server as the client was given it. */
    public URI server() {
        return server;
    }
}
