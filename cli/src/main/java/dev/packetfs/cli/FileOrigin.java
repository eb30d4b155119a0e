package dev.packetfs.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves one local file on 127.0.0.1, with byte ranges, for as long as {@code pfs run --file
 * --window} runs: the substrates of a dispatcher on this machine read its windows from here. Only
 * loopback, and only under a path with 128 random bits, so another user of the machine cannot
 * guess it; the server is gone when the command ends. The file may change while the job reads it
 * (a log being appended to): its ETag is its size and modification time, and {@code If-Match} is
 * honoured, so the job reads one version of it or says it changed (docs/kernel.md#versions).
 */
final class FileOrigin implements AutoCloseable {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");
    private static final int CHUNK = 256 * 1024;

    private final Path file;
    private final FileChannel channel;
    private final HttpServer server;
    private final String path;

    FileOrigin(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        this.path = "/" + HexFormat.of().formatHex(secret) + "/"
                + URLEncoder.encode(file.getFileName().toString(), StandardCharsets.UTF_8)
                        .replace("+", "%20");
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "pfs-file-origin");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestURI().getRawPath().equals(path)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            boolean head = exchange.getRequestMethod().equals("HEAD");
            if (!head && !exchange.getRequestMethod().equals("GET")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            long size = channel.size();
            String etag = "\"" + Long.toHexString(size) + "-"
                    + Long.toHexString(Files.getLastModifiedTime(file).to(TimeUnit.NANOSECONDS)) + "\"";
            exchange.getResponseHeaders().set("ETag", etag);
            String ifMatch = exchange.getRequestHeaders().getFirst("If-Match");
            if (ifMatch != null
                    && !ifMatch.trim().equals("*")
                    && Arrays.stream(ifMatch.split(",")).map(String::trim).noneMatch(etag::equals)) {
                exchange.sendResponseHeaders(412, -1);
                return;
            }
            long first = 0;
            long last = size - 1;
            int status = 200;
            exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            String range = exchange.getRequestHeaders().getFirst("Range");
            Matcher m = range == null ? null : RANGE.matcher(range.trim());
            if (m != null && m.matches()) {
                first = Long.parseLong(m.group(1));
                if (first >= size) {
                    exchange.getResponseHeaders().set("Content-Range", "bytes */" + size);
                    exchange.sendResponseHeaders(416, -1);
                    return;
                }
                last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
                status = 206;
                exchange.getResponseHeaders().set("Content-Range", "bytes " + first + "-" + last + "/" + size);
            }
            long length = last - first + 1;
            if (head) {
                exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, length == 0 ? -1 : length);
            send(exchange.getResponseBody(), first, length);
        } catch (IOException clientWentAway) {
            // a reader may stop early
        }
    }

    private void send(OutputStream out, long from, long length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        long at = from;
        long end = from + length;
        while (at < end) {
            buffer.clear().limit((int) Math.min(CHUNK, end - at));
            int n = channel.read(buffer, at);
            if (n < 0) {
                break; // the file shrank: the reader sees a short body
            }
            out.write(buffer.array(), 0, n);
            at += n;
        }
        out.close();
    }

    @Override
    public void close() throws IOException {
        server.stop(0);
        channel.close();
    }

    @Override
    public String toString() {
        return file + " at " + url();
    }
}
