package dev.packetfs.dispatch.server;

import dev.packetfs.testing.ChildProcess;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real dispatcher, {@code target/quarkus-app/quarkus-run.jar} as {@code pfs serve} runs it,
 * in a child process on a free loopback port: for tests that kill it.
 */
public final class DispatcherProcess implements AutoCloseable {
    static final Path JAR = Path.of(System.getProperty(
            "packetfs.dispatcher.jar",
            Path.of("target", "quarkus-app", "quarkus-run.jar").toString()));

    private final ChildProcess process;
    private final int port;

    private DispatcherProcess(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    public static DispatcherProcess start(String name, String redisUrl, Map<String, String> env) throws Exception {
        return start(name, redisUrl, env, List.of("-Xmx512m"));
    }

    public static DispatcherProcess start(String name, String redisUrl, Map<String, String> env, List<String> jvmArgs)
            throws Exception {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run `mvn package` for this module first");
        }
        List<String> command = new ArrayList<>();
        command.add(ChildProcess.java());
        command.addAll(jvmArgs);
        command.addAll(List.of("-jar", JAR.toString()));
        ChildProcess process = ChildProcess.command("dispatcher " + name, command)
                .env("PACKETFS_REDIS_URL", redisUrl)
                .env("PACKETFS_REDIS_CONSUMER", name)
                .env("QUARKUS_HTTP_PORT", "0")
                .env("QUARKUS_HTTP_HOST", "127.0.0.1")
                .env(env)
                .start();
        try {
            DispatcherProcess p = new DispatcherProcess(process, process.awaitListeningPort(Duration.ofSeconds(60)));
            process.awaitHealthy(URI.create(p.url() + "/health"), Duration.ofSeconds(60));
            return p;
        } catch (Exception | Error failed) {
            process.kill(); // a dispatcher that never came up is not left running
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

    /** SIGKILL: no shutdown hook, no graceful drain — a crash. */
    public void kill() throws InterruptedException {
        process.kill();
    }

    public String log() {
        return process.log();
    }

    /** Resident set size now, from /proc (Linux), in bytes. */
    public long rssBytes() {
        return process.rssBytes();
    }

    /** SIGTERM, as {@code pfs serve} is stopped: the dispatcher drains, then exits. */
    @Override
    public void close() throws InterruptedException {
        process.stop(Duration.ofSeconds(20));
    }
}
