package dev.packetfs.dispatch.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server of the test's own, on a free loopback port, with nothing persisted. Tests
 * may kill it, or run redis-cli against it. Needs {@code redis-server} on the PATH
 * ({@code ./scripts/test} installs it).
 */
public final class RedisServer implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final Process process;

    private RedisServer(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    /**
     * redis-server cannot be told to bind a port of the kernel's choosing, so a free port is picked
     * and may be taken by another process before redis-server binds it: that start fails with
     * "Address already in use" and is made again on another port.
     */
    public static RedisServer start(String... extraArgs) {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(extraArgs);
            } catch (PortTaken e) {
                if (attempt == 5) {
                    throw new IllegalStateException("five free ports were taken before redis-server bound them", e);
                }
            }
        }
    }

    private static final class PortTaken extends RuntimeException {
        PortTaken(String log) {
            super(log);
        }
    }

    private static RedisServer startOnce(String... extraArgs) {
        try {
            Path dir = Files.createTempDirectory("packetfs-redis-");
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(
                    "redis-server",
                    "--port",
                    Integer.toString(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    dir.toString(),
                    "--protected-mode",
                    "no",
                    "--loglevel",
                    "warning"));
            command.addAll(List.of(extraArgs));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile())
                    .start();
            RedisServer server = new RedisServer(port, dir, process);
            server.awaitReady();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("could not start redis-server (is it installed?)", e);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Runs redis-cli against this server and returns what it printed. */
    public String cli(String... args) {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("redis-cli " + String.join(" ", args) + " failed: " + out);
            }
            return out.strip();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String log = log();
                close();
                if (log.contains("Address already in use")) {
                    throw new PortTaken(log);
                }
                throw new IllegalStateException("redis-server exited: " + log);
            }
            try {
                if ("PONG".equals(cli("PING"))) {
                    return;
                }
            } catch (IllegalStateException notYet) {
                // still starting
            }
            sleep(50);
        }
        throw new IllegalStateException("redis-server did not answer PING in 20 s: " + log());
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        File[] files = dir.toFile().listFiles();
        if (files != null) {
            for (File f : files) {
                f.delete();
            }
        }
        dir.toFile().delete();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
