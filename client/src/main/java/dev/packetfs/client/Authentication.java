package dev.packetfs.client;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;

/**
 * How a request shows who sends it: the API key as a bearer token, a SigV4 signature
 * ({@link AwsSigV4}), or nothing. Applied to every request as it is built, so that each one (each
 * poll, each retry) carries its own, fresh proof.
 */
interface Authentication extends AutoCloseable {

    Authentication NONE = (request, method, uri, headers, body) -> {};

    /**
     * Adds to {@code request} what proves it.
     *
     * @param headers the headers the request carries besides the JDK's own ({@code Host},
     *     {@code Content-Length})
     * @param body the body, or null for none
     */
    void apply(HttpRequest.Builder request, String method, URI uri, Map<String, String> headers, byte[] body);

    /** {@code Authorization: Bearer <key>}: the API key of {@code pfs serve} or a function URL with auth type NONE. */
    static Authentication bearer(String key) {
        return (request, method, uri, headers, body) -> request.header("Authorization", "Bearer " + key);
    }

    @Override
    default void close() {}
}
