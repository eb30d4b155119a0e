package dev.packetfs.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback HTTP origin for fetch tests. {@code /ranged/NAME} honours single byte ranges as
 * RFC 9110 says (206, 416); {@code /whole/NAME} ignores Range and sends 200 with everything;
 * {@code /redirect/N/...} redirects N times before the rest of the path; {@code /away/HOST} redirects to HOST on the same port; {@code /status/CODE}
 * answers CODE; {@code /slow/NAME} sends one byte every 200 ms; {@code /zeros/SIZE} streams SIZE zero bytes; a {@code /delay/MS} prefix answers MS milliseconds late.
 * Misbehaving origins: {@code /trickle/MS/NAME} sends 200 and one byte every MS milliseconds,
 * recording when the client hung up ({@link #trickleEnded}); {@code /stall/NAME} sends the 206
 * headers of the whole object (with {@code ETag "NAME-stall"}) and then nothing for 30 s, to a
 * HEAD the headers at once; {@code /location/URLENCODED} redirects to exactly that Location;
 * {@code /stalled-location/URLENCODED} does too, announcing a body of 10 bytes it never sends;
 * {@code /content-range/URLENCODED/NAME} answers 206 with that Content-Range and NAME's bytes.
 *
 * <p>{@code /versioned/MODE/N/NAME} is an object that is replaced while it is read, as
 * scripts/lib/loopback-origin.mjs serves it to the JavaScript tests: version 1 (NAME) until N GET
 * requests to that path have been answered (a {@code bytes=0-0} probe not counted), then version 2
 * ({@code NAME@2} when put, else NAME with every byte inverted, the same size) for every request;
 * the count is kept per path and query, so a query makes a URL an object of its own.
 * MODE says what it tells of versions: {@code strong} ({@code ETag "NAME-vK"} and a
 * {@code Last-Modified} one second apart per version, honouring If-Match and
 * If-Unmodified-Since with 412), {@code weak} ({@code ETag W/"NAME-vK"} only; any If-Match gets
 * 412), {@code date} (Last-Modified only, honoured), {@code none} (nothing), {@code ignoring}
 * (strong's headers, preconditions ignored). {@link #versionedGets} counts the GETs each version
 * answered; {@link #lastHeaders} keeps the last request's headers. With {@code ?hold=FIRST}, the
 * first GET of a range starting at byte FIRST is answered only once a second GET of it arrives (a
 * hedge, say), or after 30 s; its version is the one it arrived at. {@code /gated/FIRST/rest}
 * answers the rest of the path, but a GET of a range starting at byte FIRST only once {@link
 * #openGate} is called for FIRST (or after 60 s): a test holds one window of a job back for as
 * long as it looks at the job running.
 */
public final class RangeOrigin implements AutoCloseable {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");
    /** RFC 9110's IMF-fixdate; RFC_1123_DATE_TIME writes a one-digit day without its zero. */
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);

    private final HttpServer server;
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    private final AtomicLong bodyBytesSent = new AtomicLong();
    /** Completes with the bytes a trickle sent when its client hung up or it ran out. */
    public final CompletableFuture<Long> trickleEnded = new CompletableFuture<>();

    private final AtomicLong requests = new AtomicLong();
    private final Set<InetSocketAddress> clients = ConcurrentHashMap.newKeySet();
    private final Set<InetSocketAddress> staleClients = ConcurrentHashMap.newKeySet();
    /** Per versioned path (MODE/N/NAME): GETs counted toward the flip, and GETs answered per version. */
    private final Map<String, long[]> versioned = new ConcurrentHashMap<>();
    /** Held first GETs of a range, by versioned path and first byte, released by the second. */
    private final Map<String, CountDownLatch> held = new ConcurrentHashMap<>();
    /** The gates of /gated/FIRST/ paths, by FIRST. */
    private final Map<Long, CountDownLatch> gates = new ConcurrentHashMap<>();
    /** The headers of the last request, by lower-case name. */
    public volatile Map<String, String> lastHeaders = Map.of();

    public RangeOrigin() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "range-origin");
            t.setDaemon(true); // a stalled answer must not keep a test JVM alive
            return t;
        }));
        server.start();
    }

    /** Distinct client connections seen so far: a test's proof that callers reuse their connections. */
    /** Lets every GET held at a {@code /gated/FIRST/} path through, now and from now on. */
    public void openGate(long first) {
        gate(first).countDown();
    }

    private CountDownLatch gate(long first) {
        return gates.computeIfAbsent(first, f -> new CountDownLatch(1));
    }

    public int connections() {
        return clients.size();
    }

    /** Requests answered so far: a test's proof that a refused caller caused no fetch. */
    /** Body bytes written to clients so far, over every request. */
    public long bodyBytesSent() {
        return bodyBytesSent.get();
    }

    public long requests() {
        return requests.get();
    }

    public void put(String name, byte[] bytes) {
        objects.put(name, bytes);
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** GETs a versioned path answered with version 1 and with version 2. */
    public long[] versionedGets(String mode, int flipAfter, String name) {
        long[] v = versioned.get(mode + "/" + flipAfter + "/" + name);
        return v == null ? new long[2] : new long[] {v[1], v[2]};
    }

    private void handle(HttpExchange exchange) throws IOException {
        // Pages on other origins (volunteer browsers) may read it, as a CORS-enabled object store lets them.
        exchange.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
        exchange.getResponseHeaders().set("Access-Control-Allow-Headers", "range, if-match, if-unmodified-since");
        exchange.getResponseHeaders()
                .set(
                        "Access-Control-Expose-Headers",
                        "content-range, content-length, etag, last-modified, accept-ranges");
        if (exchange.getRequestMethod().equals("OPTIONS")) {
            try (exchange) {
                exchange.sendResponseHeaders(204, -1);
            }
            return;
        }
        requests.incrementAndGet();
        clients.add(exchange.getRemoteAddress());
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(", ", v)));
        lastHeaders = Map.copyOf(headers);
        try (exchange) {
            String path =
                    exchange.getRequestURI().getRawPath(); // raw: /location/ and /content-range/ carry encoded slashes
            if (path.startsWith("/delay/")) {
                // /delay/MS/rest: the rest of the path, answered after MS milliseconds
                String[] d = path.split("/", 4);
                Thread.sleep(Long.parseLong(d[2]));
                path = "/" + d[3];
            }
            if (path.startsWith("/gated/")) {
                // /gated/FIRST/rest: a GET of the range starting at FIRST waits for openGate()
                String[] g = path.split("/", 4);
                String range = exchange.getRequestHeaders().getFirst("Range");
                if (exchange.getRequestMethod().equals("GET")
                        && range != null
                        && range.startsWith("bytes=" + g[2] + "-")) {
                    gate(Long.parseLong(g[2])).await(60, TimeUnit.SECONDS);
                }
                path = "/" + g[3];
            }
            String[] parts = path.split("/", 4);
            switch (parts[1]) {
                case "ranged" -> ranged(exchange, objects.get(parts[2]));
                case "stale" -> {
                    if (!staleClients.add(exchange.getRemoteAddress())) {
                        // HttpServer closes the connection, unanswered, when a handler throws.
                        throw new IllegalStateException("dropping a reused connection");
                    }
                    ranged(exchange, objects.get(parts[2]));
                }
                case "whole" -> send(exchange, 200, objects.get(parts[2]), 0, objects.get(parts[2]).length);
                case "redirect" -> {
                    int left = Integer.parseInt(parts[2]);
                    String rest = "/" + parts[3];
                    exchange.getResponseHeaders().set("Location", left > 1 ? "/redirect/" + (left - 1) + rest : rest);
                    exchange.sendResponseHeaders(302, -1);
                }
                case "status" -> exchange.sendResponseHeaders(Integer.parseInt(parts[2]), -1);
                case "away" -> {
                    exchange.getResponseHeaders()
                            .set(
                                    "Location",
                                    "http://" + parts[2] + ":"
                                            + server.getAddress().getPort() + "/ranged/tiny");
                    exchange.sendResponseHeaders(302, -1);
                }
                case "slow" -> slow(exchange, objects.get(parts[2]));
                case "trickle" -> {
                    String[] t = parts[3].split("/", 2);
                    trickle(exchange, Long.parseLong(parts[2]), objects.get(t[0]));
                }
                case "stall" -> {
                    byte[] object = objects.get(parts[2]);
                    exchange.getResponseHeaders()
                            .set("Content-Range", "bytes 0-" + (object.length - 1) + "/" + object.length);
                    exchange.getResponseHeaders().set("ETag", "\"" + parts[2] + "-stall\"");
                    boolean head = exchange.getRequestMethod().equals("HEAD");
                    exchange.sendResponseHeaders(206, head ? -1 : object.length);
                    exchange.getResponseBody().flush();
                    if (!head) {
                        Thread.sleep(30_000);
                    }
                }
                case "location", "stalled-location" -> {
                    exchange.getResponseHeaders().set("Location", URLDecoder.decode(parts[2], StandardCharsets.UTF_8));
                    boolean stalled = parts[1].equals("stalled-location");
                    exchange.sendResponseHeaders(302, stalled ? 10 : -1);
                    if (stalled) {
                        exchange.getResponseBody().flush();
                        Thread.sleep(30_000);
                    }
                }
                case "content-range" -> {
                    byte[] object = objects.get(parts[3]);
                    exchange.getResponseHeaders()
                            .set("Content-Range", URLDecoder.decode(parts[2], StandardCharsets.UTF_8));
                    send(exchange, 206, object, 0, object.length);
                }
                case "zeros" -> zeros(exchange, Long.parseLong(parts[2]));
                case "versioned" -> {
                    String[] v = parts[3].split("/", 2);
                    versioned(exchange, parts[2], Integer.parseInt(v[0]), v[1]);
                }
                default -> exchange.sendResponseHeaders(404, -1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void ranged(HttpExchange exchange, byte[] object) throws IOException {
        String range = exchange.getRequestHeaders().getFirst("Range");
        Matcher m = range == null ? null : RANGE.matcher(range);
        if (m == null || !m.matches()) {
            send(exchange, 200, object, 0, object.length);
            return;
        }
        long first = Long.parseLong(m.group(1));
        if (first >= object.length) {
            exchange.getResponseHeaders().set("Content-Range", "bytes */" + object.length);
            exchange.sendResponseHeaders(416, -1);
            return;
        }
        long last = m.group(2).isEmpty() ? object.length - 1 : Math.min(Long.parseLong(m.group(2)), object.length - 1);
        exchange.getResponseHeaders().set("Content-Range", "bytes " + first + "-" + last + "/" + object.length);
        send(exchange, 206, object, (int) first, (int) (last - first + 1));
    }

    private void versioned(HttpExchange exchange, String mode, int flipAfter, String name) throws IOException {
        // A query (any) makes the URL an object of its own: tests sharing one origin keep apart.
        String query = exchange.getRequestURI().getRawQuery();
        String key = mode + "/" + flipAfter + "/" + name + (query == null ? "" : "?" + query);
        long[] count = versioned.computeIfAbsent(key, k -> new long[3]);
        boolean get = exchange.getRequestMethod().equals("GET");
        boolean probe = "bytes=0-0".equals(exchange.getRequestHeaders().getFirst("Range"));
        int version;
        synchronized (count) {
            version = count[0] < flipAfter ? 1 : 2;
            if (get && !probe) {
                count[0]++;
            }
            if (get) {
                count[version]++;
            }
        }
        byte[] object =
                version == 1 ? objects.get(name) : objects.getOrDefault(name + "@2", inverted(objects.get(name)));
        // ?hold=FIRST: the first GET of that range waits for the second, whatever the second's fate.
        String range = exchange.getRequestHeaders().getFirst("Range");
        String holdAt = query == null
                ? null
                : Arrays.stream(query.split("&"))
                        .filter(q -> q.startsWith("hold="))
                        .map(q -> q.substring(5))
                        .findFirst()
                        .orElse(null);
        CountDownLatch hold = null;
        if (get && holdAt != null && range != null && range.startsWith("bytes=" + holdAt + "-")) {
            var mine = new CountDownLatch(1);
            var first = held.putIfAbsent(key, mine);
            if (first == null) {
                hold = mine;
            } else {
                first.countDown();
            }
        }
        String etag = "\"" + name + "-v" + version + "\"";
        ZonedDateTime modified = ZonedDateTime.of(2026, 12, 6, 0, 0, version, 0, ZoneOffset.UTC);
        String date = IMF_FIXDATE.format(modified);
        String current = switch (mode) {
            case "strong", "ignoring" -> etag;
            case "weak" -> "W/" + etag;
            default -> null;
        };
        boolean dated = !mode.equals("weak") && !mode.equals("none");
        var out = exchange.getResponseHeaders();
        if (current != null) {
            out.set("ETag", current);
        }
        if (dated) {
            out.set("Last-Modified", date);
        }
        out.set("Accept-Ranges", "bytes");
        // RFC 9110 §13.1.1 and §13.2.2: If-Match compares strongly (a weak tag never matches), and
        // is evaluated before Range; an unreadable If-Unmodified-Since is ignored.
        String ifMatch = exchange.getRequestHeaders().getFirst("If-Match");
        String ifUnmodified = exchange.getRequestHeaders().getFirst("If-Unmodified-Since");
        boolean etagFails = ifMatch != null
                && !ifMatch.trim().equals("*")
                && (current == null
                        || current.startsWith("W/")
                        || Arrays.stream(ifMatch.split(",")).map(String::trim).noneMatch(current::equals));
        boolean dateFails = false;
        if (ifUnmodified != null && dated) {
            try {
                dateFails = modified.isAfter(
                        ZonedDateTime.parse(ifUnmodified.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
            } catch (DateTimeParseException ignored) {
                // not a date: the precondition is ignored
            }
        }
        boolean honours = !mode.equals("none") && !mode.equals("ignoring");
        if (honours && (etagFails || dateFails)) {
            exchange.sendResponseHeaders(412, -1);
            return;
        }
        if (exchange.getRequestMethod().equals("HEAD")) {
            out.set("Content-Length", Long.toString(object.length));
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        if (hold != null) {
            awaitQuietly(hold);
        }
        ranged(exchange, object);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] inverted(byte[] object) {
        byte[] out = new byte[object.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) ~object[i];
        }
        return out;
    }

    private void send(HttpExchange exchange, int status, byte[] object, int from, int length) throws IOException {
        exchange.sendResponseHeaders(status, length == 0 ? -1 : length);
        try (OutputStream out = exchange.getResponseBody()) {
            for (int at = from; at < from + length; at += 8192) {
                int n = Math.min(8192, from + length - at);
                out.write(object, at, n);
                bodyBytesSent.addAndGet(n);
            }
        } catch (IOException clientWentAway) {
            // a client that stops reading early is allowed to
        }
    }

    /** {@code size} zero bytes with 200, Range ignored, generated as they are sent. */
    private void zeros(HttpExchange exchange, long size) throws IOException {
        exchange.sendResponseHeaders(200, size);
        byte[] chunk = new byte[65536];
        try (OutputStream out = exchange.getResponseBody()) {
            for (long sent = 0; sent < size; sent += chunk.length) {
                out.write(chunk);
                bodyBytesSent.addAndGet(chunk.length);
            }
        } catch (IOException clientWentAway) {
            // expected: the fetcher stops after its window
        }
    }

    private void slow(HttpExchange exchange, byte[] object) throws IOException {
        exchange.sendResponseHeaders(200, object.length);
        try (OutputStream out = exchange.getResponseBody()) {
            for (byte b : object) {
                out.write(b);
                out.flush();
                Thread.sleep(200);
            }
        } catch (IOException | InterruptedException clientWentAway) {
            // expected: the fetcher gives up
        }
    }

    /** 200 with the whole object, one byte every {@code everyMs}; stops when the client hangs up. */
    private void trickle(HttpExchange exchange, long everyMs, byte[] object) throws IOException, InterruptedException {
        exchange.sendResponseHeaders(200, object.length);
        long sent = 0;
        try (OutputStream out = exchange.getResponseBody()) {
            for (byte b : object) {
                out.write(b);
                out.flush();
                sent++;
                Thread.sleep(everyMs);
            }
        } catch (IOException clientWentAway) {
            // what a fetcher that gives up does
        } finally {
            trickleEnded.complete(sent);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
