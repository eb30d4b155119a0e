package dev.packetfs.client;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The requests of a {@link PacketfsClient}: built against the server's URL, authenticated one by
 * one as they are sent (a fresh signature each), and their failures to arrive turned into
 * {@link DispatcherUnreachableException}.
 */
final class DispatcherHttp implements AutoCloseable {
    /** Headers that are the JDK's (restricted) or the authentication's to write. */
    private static final Set<String> RESERVED = Set.of(
            "authorization",
            "host",
            "content-length",
            "connection",
            "expect",
            "upgrade",
            "te",
            "transfer-encoding",
            "keep-alive",
            "proxy-authorization");

    /** An answer read whole. */
    record Answer(int status, HttpHeaders headers, String body) {}

    private final URI server;
    private final String base;
    private final HttpClient http;
    private final Authentication authentication;
    private final Duration requestTimeout;

    DispatcherHttp(URI server, Authentication authentication, Duration connectTimeout, Duration requestTimeout) {
        this.server = server;
        this.base = server.toString().replaceAll("/+$", "");
        this.authentication = authentication;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .build();
    }

    URI server() {
        return server;
    }

    Answer send(String method, String path, byte[] json) throws InterruptedException {
        HttpResponse<String> r = exchange(method, path, jsonHeaders(json), json, HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.headers(), r.body());
    }

    CompletableFuture<Answer> sendAsync(String method, String path, byte[] json) {
        HttpRequest request;
        try {
            request = request(method, path, jsonHeaders(json), json);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((r, failure) -> {
            if (failure != null) {
                throw unreachable(
                        failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure);
            }
            return new Answer(r.statusCode(), r.headers(), r.body());
        });
    }

    <T> HttpResponse<T> exchange(
            String method,
            String pathAndQuery,
            Map<String, String> headers,
            byte[] body,
            HttpResponse.BodyHandler<T> handler)
            throws InterruptedException {
        try {
            return http.send(request(method, pathAndQuery, headers, body), handler);
        } catch (IOException e) {
            throw new DispatcherUnreachableException(server, e);
        }
    }

    private HttpRequest request(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
        if (!pathAndQuery.startsWith("/")) {
            throw new IllegalArgumentException("a path starts with '/': " + pathAndQuery);
        }
        URI uri = URI.create(base + pathAndQuery);
        Map<String, String> sent = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (!RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                sent.put(name, value);
            }
        });
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        sent.forEach(b::header);
        authentication.apply(b, method, uri, sent, body);
        return b.build();
    }

    private static Map<String, String> jsonHeaders(byte[] json) {
        return json == null ? Map.of() : Map.of("Content-Type", "application/json");
    }

    private RuntimeException unreachable(Throwable failure) {
        if (failure instanceof IOException io) {
            return new DispatcherUnreachableException(server, io);
        }
        return failure instanceof RuntimeException r ? r : new CompletionException(failure);
    }

    /** An id as one path segment: RFC 3986's unreserved characters as they are, every other byte as %XX. */
    static String segment(String id) {
        StringBuilder out = new StringBuilder();
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c >= 'A' && c <= 'Z'
                    || c >= 'a' && c <= 'z'
                    || c >= '0' && c <= '9'
                    || c == '-'
                    || c == '_'
                    || c == '.'
                    || c == '~') {
                out.append((char) c);
            } else {
                out.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        authentication.close();
    }
}
