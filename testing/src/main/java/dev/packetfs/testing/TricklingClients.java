package dev.packetfs.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Assertions;

/**
 * Raw TCP clients that send a request's headers, announcing a large body, and then trickle that
 * body one byte at a time: the slow-body attack, from one thread. And the reading side of a raw
 * exchange.
 */
public final class TricklingClients implements AutoCloseable {
    private final List<Socket> sockets = new ArrayList<>();
    private final boolean[] closed;
    private final AtomicInteger closedByServer = new AtomicInteger();
    private final ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "trickler");
        t.setDaemon(true);
        return t;
    });

    private TricklingClients(int count) {
        this.closed = new boolean[count];
    }

    /** Opens {@code count} connections; {@code head.apply(i)} is the i-th request's head, blank line included. */
    public static TricklingClients open(int port, int count, IntFunction<String> head) throws IOException {
        TricklingClients clients = new TricklingClients(count);
        try {
            for (int i = 0; i < count; i++) {
                Socket socket = new Socket();
                clients.sockets.add(socket);
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                socket.setTcpNoDelay(true);
                OutputStream out = socket.getOutputStream();
                out.write(head.apply(i).getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException e) {
            clients.close();
            throw e;
        }
        return clients;
    }

    /** Sends one more body byte on every connection still open, every {@code interval}, until closed. */
    public TricklingClients trickle(Duration interval) {
        trickler.scheduleWithFixedDelay(
                this::oneByteEach, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void oneByteEach() {
        for (int i = 0; i < sockets.size(); i++) {
            if (closed[i]) {
                continue;
            }
            try {
                OutputStream out = sockets.get(i).getOutputStream();
                out.write('x');
                out.flush();
            } catch (IOException serverClosedIt) {
                closed[i] = true;
                closedByServer.incrementAndGet();
            }
        }
    }

    /** Connections found closed by the server so far (a write to them failed). */
    public int closedByServer() {
        return closedByServer.get();
    }

    @Override
    public void close() {
        trickler.shutdownNow();
        try {
            trickler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** What a server answered to a body sent a byte at a time, and when: milliseconds after the head. */
    public record Answer(String text, long millis) {}

    /**
     * Sends {@code head} (the request line and headers, with a {@code Content-Length} larger than
     * what follows), then one body byte every 100 ms (which keeps any idle timer from firing: a body
     * deadline is for the whole body), and reads the answer until the server closes the connection.
     */
    public static Answer answerToTrickledBody(int port, String head, Duration within) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            Thread trickle = new Thread(() -> {
                try {
                    for (int i = 0; i < 60; i++) {
                        Thread.sleep(100);
                        out.write(' ');
                        out.flush();
                    }
                } catch (Exception closedByTheServer) {
                    // what the test expects
                }
            });
            trickle.setDaemon(true);
            trickle.start();
            String text = readUntilClosed(socket, within);
            long millis = (System.nanoTime() - start) / 1_000_000;
            trickle.interrupt();
            return new Answer(text, millis);
        }
    }

    /** A response read off the wire. */
    public record Reply(int status, String text, long millis) {
        /** What follows the head. */
        public String body() {
            int end = text.indexOf("\r\n\r\n");
            return end < 0 ? "" : text.substring(end + 4);
        }
    }

    /**
     * One request on a connection of its own ({@code Connection: close}), read until the server
     * closes it, within {@code within}. A probe of a server's availability opens its own connection,
     * as a load balancer's health check does: a pooled keep-alive connection would also test the
     * client's handling of one the server closed while idle, which is not what is measured.
     */
    public static Reply request(int port, String method, String path, String body, Duration within, String... headers)
            throws IOException {
        StringBuilder head =
                new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            head.append("Content-Length: ").append(content.length).append("\r\n");
        }
        long start = System.nanoTime();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            String text = readUntilClosed(socket, within);
            int status =
                    text.startsWith("HTTP/1.1 ") && text.length() >= 12 ? Integer.parseInt(text.substring(9, 12)) : -1;
            return new Reply(status, text, (System.nanoTime() - start) / 1_000_000);
        }
    }

    /** What the server answers to {@code head} alone, the announced body never sent, until it closes the connection. */
    public static String answerToHead(int port, String head, Duration within) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            return readUntilClosed(socket, within);
        }
    }

    /**
     * What the server answers to {@code head} (with {@code Transfer-Encoding: chunked}) followed by
     * 64 KiB chunks until just past {@code bytes}: a body that declares no length and grows past a limit.
     */
    public static String answerToChunkedBody(int port, String head, long bytes, Duration within) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            for (long sent = 0; sent <= bytes; sent += chunk.length) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            return readUntilClosed(socket, within);
        }
    }

    /** Everything the server sends until it closes the connection, which must happen within {@code within}. */
    public static String readUntilClosed(Socket socket, Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return Assertions.fail("the connection was still open after " + within.toMillis() + " ms; got: "
                        + answer.toString(StandardCharsets.UTF_8));
            }
            socket.setSoTimeout((int) left);
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                continue;
            }
            if (n < 0) {
                return answer.toString(StandardCharsets.UTF_8);
            }
            answer.write(buffer, 0, n);
        }
    }
}
