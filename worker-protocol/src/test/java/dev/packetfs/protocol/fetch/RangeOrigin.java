package dev.packetfs.protocol.fetch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
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
 * headers of the whole object and then nothing for 30 s; {@code /location/URLENCODED} redirects
 * to exactly that Location; {@code /content-range/URLENCODED/NAME} answers 206 with that
 * Content-Range and NAME's bytes.
 */
public final class RangeOrigin implements AutoCloseable {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    private final HttpServer server;
    private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    final AtomicLong bodyBytesSent = new AtomicLong();
    /** Completes with the bytes a trickle sent when its client hung up or it ran out. */
    public final java.util.concurrent.CompletableFuture<Long> trickleEnded = new java.util.concurrent.CompletableFuture<>();
    private final AtomicLong requests = new AtomicLong();
    private final Set<InetSocketAddress> clients = ConcurrentHashMap.newKeySet();
    private final Set<InetSocketAddress> staleClients = ConcurrentHashMap.newKeySet();

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
    public int connections() {
        return clients.size();
    }

    /** Requests answered so far: a test's proof that a refused caller caused no fetch. */
    public long requests() {
        return requests.get();
    }

    public void put(String name, byte[] bytes) {
        objects.put(name, bytes);
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        clients.add(exchange.getRemoteAddress());
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath(); // raw: /location/ and /content-range/ carry encoded slashes
            if (path.startsWith("/delay/")) {
                // /delay/MS/rest: the rest of the path, answered after MS milliseconds
                String[] d = path.split("/", 4);
                Thread.sleep(Long.parseLong(d[2]));
                path = "/" + d[3];
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
                    exchange.getResponseHeaders().set("Location",
                            "http://" + parts[2] + ":" + server.getAddress().getPort() + "/ranged/tiny");
                    exchange.sendResponseHeaders(302, -1);
                }
                case "slow" -> slow(exchange, objects.get(parts[2]));
                case "trickle" -> {
                    String[] t = parts[3].split("/", 2);
                    trickle(exchange, Long.parseLong(parts[2]), objects.get(t[0]));
                }
                case "stall" -> {
                    byte[] object = objects.get(parts[2]);
                    exchange.getResponseHeaders().set("Content-Range", "bytes 0-" + (object.length - 1) + "/" + object.length);
                    exchange.sendResponseHeaders(206, object.length);
                    exchange.getResponseBody().flush();
                    Thread.sleep(30_000);
                }
                case "location" -> {
                    exchange.getResponseHeaders().set("Location", java.net.URLDecoder.decode(parts[2], java.nio.charset.StandardCharsets.UTF_8));
                    exchange.sendResponseHeaders(302, -1);
                }
                case "content-range" -> {
                    byte[] object = objects.get(parts[3]);
                    exchange.getResponseHeaders().set("Content-Range", java.net.URLDecoder.decode(parts[2], java.nio.charset.StandardCharsets.UTF_8));
                    send(exchange, 206, object, 0, object.length);
                }
                case "zeros" -> zeros(exchange, Long.parseLong(parts[2]));
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
