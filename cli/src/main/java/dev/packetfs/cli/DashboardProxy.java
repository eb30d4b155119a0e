package dev.packetfs.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.packetfs.client.DispatcherUnreachableException;
import dev.packetfs.client.PacketfsClient;
import dev.packetfs.client.SigningException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code pfs dashboard}'s local end: a browser cannot sign its requests (SigV4) for a dispatcher
 * behind an IAM function URL, so the page is served from 127.0.0.1 and every request it makes is
 * forwarded to the dispatcher through the client, signed, or with the API key where the
 * dispatcher takes that. Answers are passed back as they come, chunk by chunk, so that
 * {@code /metrics/stream} (server-sent events, on {@code pfs serve}) stays live; the function URL
 * answers it 404 and the page polls {@code /metrics} instead.
 *
 * <p>The proxy holds the user's credentials, so it serves only this machine's browser and only
 * the page it serves: it binds 127.0.0.1; it forwards only to the configured dispatcher (the path
 * and query of each request, never a URL); it answers only requests addressed to itself by
 * {@code Host} (a page on another site whose name was made to resolve to 127.0.0.1 is refused)
 * whose {@code Origin}, when present, is its own (a page elsewhere cannot post to it); it takes
 * only GET and POST; and it forwards none of the browser's own credentials ({@code Authorization},
 * {@code Cookie}): only {@code Accept}, {@code Content-Type} and {@code Last-Event-ID}.
 */
final class DashboardProxy implements AutoCloseable {
    private static final Set<String> REQUEST_HEADERS = Set.of("accept", "content-type", "last-event-id");
    /** Hop-by-hop headers, the length the server here writes itself, and cookies for a site that is not this one. */
    private static final Set<String> DROPPED_ANSWER_HEADERS = Set.of(
            "connection",
            "keep-alive",
            "transfer-encoding",
            "te",
            "trailer",
            "upgrade",
            "proxy-authenticate",
            "content-length",
            "set-cookie");
    /** The API's own limit on the server (quarkus.http.limits.max-body-size). */
    private static final int MAX_BODY = 8 * 1024 * 1024;

    private final PacketfsClient client;
    private final PrintWriter err;
    private final HttpServer server;
    private final ExecutorService threads;
    private String lastComplaint;

    DashboardProxy(PacketfsClient client, int port, PrintWriter err) throws IOException {
        this.client = client;
        this.err = err;
        // Headers and body are written separately; without TCP_NODELAY each answer waits 40 ms for an ACK.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        this.server =
                HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), 64);
        // One thread per exchange: a live stream holds its thread for as long as the page is open.
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "pfs-dashboard");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("POST")) {
                exchange.getResponseHeaders().set("Allow", "GET, POST");
                answer(
                        exchange,
                        405,
                        method + " is not forwarded: the dashboard reads with GET and requeues with POST");
                return;
            }
            if (!fromThisPage(exchange)) {
                answer(exchange, 403, "this proxy serves only pages it served itself, at " + url());
                return;
            }
            URI uri = exchange.getRequestURI();
            if (method.equals("GET") && uri.getRawPath().equals("/")) {
                exchange.getResponseHeaders().set("Location", "/dashboard");
                exchange.sendResponseHeaders(302, -1);
                return;
            }
            byte[] body = null;
            if (method.equals("POST")) {
                body = exchange.getRequestBody().readNBytes(MAX_BODY + 1);
                if (body.length > MAX_BODY) {
                    answer(exchange, 413, "the request body is larger than " + MAX_BODY + " bytes");
                    return;
                }
            }
            forward(
                    exchange,
                    method,
                    uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()),
                    body);
        } catch (IOException browserWentAway) {
            // the page was closed or reloaded: its requests and streams end here
        }
    }

    private void forward(HttpExchange exchange, String method, String target, byte[] body) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (REQUEST_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !values.isEmpty()) {
                headers.put(name, values.get(0));
            }
        });
        HttpResponse<InputStream> answer;
        try {
            answer = client.exchange(method, target, headers, body, HttpResponse.BodyHandlers.ofInputStream());
        } catch (DispatcherUnreachableException | SigningException e) {
            complain(e.getMessage());
            answer(exchange, 502, e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (answer.statusCode() == 401) {
            complain("the dispatcher refused the API key: give it with --api-key or PACKETFS_API_KEY");
        } else if (answer.statusCode() == 403) {
            complain(
                    "the dispatcher refused the request (403): an AWS_IAM function URL takes requests signed with --aws-sigv4"
                            + " by AWS credentials allowed lambda:InvokeFunctionUrl on it");
        }
        answer.headers().map().forEach((name, values) -> {
            if (!DROPPED_ANSWER_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                exchange.getResponseHeaders().put(name, List.copyOf(values));
            }
        });
        long length = answer.headers().firstValueAsLong("content-length").orElse(-1);
        int status = answer.statusCode();
        boolean noBody = status == 204 || status == 304 || length == 0;
        try (InputStream in = answer.body()) {
            exchange.sendResponseHeaders(status, noBody ? -1 : Math.max(length, 0));
            if (!noBody) {
                relay(in, exchange.getResponseBody());
            }
        }
    }

    /** Passes each piece on as it arrives: a server-sent event must not wait for the next. */
    private static void relay(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            out.flush();
        }
        out.close();
    }

    /**
     * Addressed to this proxy by name (Host), and, when the browser says where the request comes
     * from (Origin, Sec-Fetch-Site), from a page of this proxy or typed by the user.
     */
    private boolean fromThisPage(HttpExchange exchange) {
        int port = server.getAddress().getPort();
        Set<String> hosts = Set.of("127.0.0.1:" + port, "localhost:" + port);
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (host == null || !hosts.contains(host.toLowerCase(Locale.ROOT))) {
            return false;
        }
        String origin = exchange.getRequestHeaders().getFirst("Origin");
        if (origin != null && !hosts.contains(origin.toLowerCase(Locale.ROOT).replaceFirst("^http://", ""))) {
            return false;
        }
        String site = exchange.getRequestHeaders().getFirst("Sec-Fetch-Site");
        return site == null || site.equals("same-origin") || site.equals("none");
    }

    private static void answer(HttpExchange exchange, int status, String message) throws IOException {
        byte[] body = JsonNodeFactory.instance
                .objectNode()
                .put("error", message)
                .toString()
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    /** Says what goes wrong, once for each new thing: the page asks every 2 s. */
    private synchronized void complain(String message) {
        if (!message.equals(lastComplaint)) {
            lastComplaint = message;
            err.println("pfs dashboard: " + message);
            err.flush();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
