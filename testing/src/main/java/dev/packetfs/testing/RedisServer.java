package dev.packetfs.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real redis-server of the test's own, on a free loopback port, with nothing persisted. Tests
 * may kill it, or run redis-cli against it. Needs {@code redis-server} on the PATH
 * ({@code ./scripts/test} installs it).
 */
public final class RedisServer implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final ChildProcess process;

    private RedisServer(int port, Path dir, ChildProcess process) {
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
            RedisServer server = new RedisServer(
                    port,
                    dir,
                    ChildProcess.command("redis-server", command)
                            .log(dir.resolve("redis.log"))
                            .start());
            try {
                server.process.awaitReady(
                        "answering PING", Duration.ofSeconds(20), () -> "PONG".equals(server.cli("PING")));
            } catch (ChildProcess.Exited exited) {
                server.close();
                if (exited.log().contains("Address already in use")) {
                    throw new PortTaken(exited.log());
                }
                throw exited;
            } catch (RuntimeException | InterruptedException e) {
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("could not start redis-server (is it installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
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
            ChildProcess.Finished run =
                    ChildProcess.command("redis-cli", command).run(Duration.ofSeconds(30));
            if (run.code() != 0) {
                throw new IllegalStateException(
                        "redis-cli " + String.join(" ", args) + " failed: " + run.out() + run.err());
            }
            return run.out().strip();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            process.kill();
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
}
