package dev.packetfs.dispatch.substrate.testing;

import dev.packetfs.dispatch.testing.ListeningPort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * worker-flyio's packaged jar ({@code target/quarkus-app/quarkus-run.jar}) started as its own JVM
 * on a free loopback port, the way a platform runs its image: as Fly.io runs it in a machine
 * ({@link #fly}), or as Google Cloud Run runs it, told its port by {@code PORT} ({@link #cloudRun}).
 */
public final class WorkerProcess implements AutoCloseable {
    public static final String TOKEN = "worker-contract-token-0123456789";
    /** The port worker-flyio listens on when nothing says otherwise. */
    private static final int DEFAULT_PORT = 8080;

    private final Process process;
    private final int port;
    private final Path log;

    private WorkerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
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
        Path jar = RepositoryPaths.find("worker-flyio/target/quarkus-app/quarkus-run.jar");
        Path log = Files.createTempFile("worker", ".log");
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-XX:+UseSerialGC",
                        "-jar",
                        jar.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.equals("PORT") || key.startsWith("QUARKUS_") || key.startsWith("PACKETFS_"));
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("PACKETFS_WORKER_TOKEN", TOKEN);
        env.put("PACKETFS_FETCH_ALLOW_HOSTS", "127.0.0.1");
        env.put("PACKETFS_WORKER_MAX_CONCURRENCY", Integer.toString(maxConcurrency));
        env.putAll(platform);
        Process process = builder.start();
        WorkerProcess worker =
                new WorkerProcess(process, ListeningPort.await(process, log, Duration.ofSeconds(60)), log);
        worker.awaitHealthy(Duration.ofSeconds(60));
        return worker;
    }

    private void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the worker exited:\n" + Files.readString(log));
            }
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(url().resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the worker did not become healthy:\n" + Files.readString(log));
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** SIGKILL, as when a machine is lost. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
