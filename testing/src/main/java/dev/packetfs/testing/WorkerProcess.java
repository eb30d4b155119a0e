package dev.packetfs.testing;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * worker-flyio's packaged jar ({@code target/quarkus-app/quarkus-run.jar}) started as its own JVM
 * on a free loopback port, the way a platform runs its image: as Fly.io runs it in a machine
 * ({@link #fly}), or as Google Cloud Run runs it, told its port by {@code PORT} ({@link #cloudRun}).
 */
public final class WorkerProcess implements AutoCloseable {
    public static final String TOKEN = "worker-contract-token-0123456789";
    /** The port worker-flyio listens on when nothing says otherwise. */
    private static final int DEFAULT_PORT = 8080;

    private final ChildProcess process;
    private final int port;

    private WorkerProcess(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** As in a Fly.io machine: the port from Quarkus' own setting, the region from {@code FLY_REGION}. */
    public static WorkerProcess fly(int maxConcurrency) throws IOException, InterruptedException {
        return start(maxConcurrency, Map.of("QUARKUS_HTTP_PORT", "0", "FLY_REGION", "loopback"));
    }

    /**
     * As Cloud Run runs a container: the port only from {@code PORT} (0 here, so the system picks a
     * free one), the service and revision in {@code K_SERVICE} and {@code K_REVISION}, and the
     * location the deploy step sets.
     */
    public static WorkerProcess cloudRun(int maxConcurrency) throws IOException, InterruptedException {
        WorkerProcess worker = start(
                maxConcurrency,
                Map.of(
                        "PORT",
                        "0",
                        "K_SERVICE",
                        "packetfs-worker",
                        "K_REVISION",
                        "packetfs-worker-00001-abc",
                        "PACKETFS_WORKER_LOCATION",
                        "loopback-run"));
        if (worker.port == DEFAULT_PORT) {
            worker.close();
            throw new IllegalStateException("the worker ignored PORT: it listens on " + DEFAULT_PORT);
        }
        return worker;
    }

    private static WorkerProcess start(int maxConcurrency, Map<String, String> platform)
            throws IOException, InterruptedException {
        ChildProcess process = ChildProcess.command(
                        "worker-flyio",
                        ChildProcess.java(),
                        "-XX:+UseSerialGC",
                        "-jar",
                        RepositoryPaths.find("worker-flyio/target/quarkus-app/quarkus-run.jar")
                                .toString())
                .dropInherited(key -> key.equals("PORT") || key.startsWith("QUARKUS_") || key.startsWith("PACKETFS_"))
                .env("QUARKUS_HTTP_HOST", "127.0.0.1")
                .env("PACKETFS_WORKER_TOKEN", TOKEN)
                .env("PACKETFS_FETCH_ALLOW_HOSTS", "127.0.0.1")
                .env("PACKETFS_WORKER_MAX_CONCURRENCY", Integer.toString(maxConcurrency))
                .env(platform)
                .start();
        try {
            WorkerProcess worker = new WorkerProcess(process, process.awaitListeningPort(Duration.ofSeconds(60)));
            process.awaitHealthy(worker.url().resolve("/health"), Duration.ofSeconds(60));
            return worker;
        } catch (RuntimeException | InterruptedException e) {
            process.kill(); // a worker that never came up is not left running
            throw e;
        }
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** SIGKILL, as when a machine is lost. */
    public void kill() throws InterruptedException {
        process.kill();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
