package dev.packetfs.dispatch.server;

import dev.packetfs.dispatch.testing.ListeningPort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real dispatcher, {@code target/quarkus-app/quarkus-run.jar} as {@code pfs serve} runs it,
 * in a child process on a free loopback port: for tests that kill it.
 */
public final class DispatcherProcess implements AutoCloseable {
    static final Path JAR = Path.of(System.getProperty(
            "packetfs.dispatcher.jar",
            Path.of("target", "quarkus-app", "quarkus-run.jar").toString()));

    private final Process process;
    private final int port;
    private final Path log;

    private DispatcherProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static DispatcherProcess start(String name, String redisUrl, Map<String, String> env) throws Exception {
        return start(name, redisUrl, env, List.of("-Xmx512m"));
    }

    public static DispatcherProcess start(String name, String redisUrl, Map<String, String> env, List<String> jvmArgs)
            throws Exception {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run `mvn package` for this module first");
        }
        Path log = Files.createTempFile("dispatcher-" + name + "-", ".log");
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.addAll(List.of("-jar", JAR.toString()));
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> e = new HashMap<>(Map.of(
                "PACKETFS_REDIS_URL",
                redisUrl,
                "PACKETFS_REDIS_CONSUMER",
                name,
                "QUARKUS_HTTP_PORT",
                "0",
                "QUARKUS_HTTP_HOST",
                "127.0.0.1"));
        e.putAll(env);
        pb.environment().putAll(e);
        Process process = pb.start();
        try {
            DispatcherProcess p =
                    new DispatcherProcess(process, ListeningPort.await(process, log, Duration.ofSeconds(60)), log);
            p.awaitHealthy();
            return p;
        } catch (Exception | Error failed) {
            process.destroyForcibly(); // a dispatcher that never came up is not left running
            throw failed;
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    private void awaitHealthy() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("dispatcher exited:\n" + log());
            }
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(url() + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("dispatcher not healthy in 60 s:\n" + log());
    }

    /** SIGKILL: no shutdown hook, no graceful drain — a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Resident set size now, from /proc (Linux), in bytes. */
    public long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException gone) {
            // the process ended
        }
        return 0;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
