package dev.packetfs.dispatch.substrate.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * worker-cloudflare in workerd on a free loopback port: {@code test/serve-workerd.mjs} bundles
 * {@code src/worker.mjs} with the shared kernel as {@code wrangler deploy} would and runs it with
 * Miniflare. Needs {@code npm ci} at the repository's root (./scripts/test runs it first).
 */
public final class WorkerdProcess implements AutoCloseable {
    public static final String TOKEN = "cloudflare-contract-token-0123456789";

    private final Process process;
    private final URI url;
    private final Path log;

    private WorkerdProcess(Process process, URI url, Path log) {
        this.process = process;
        this.url = url;
        this.log = log;
    }

    /** Starts the Worker with the test token, a loopback allow-list and the given extra vars. */
    public static WorkerdProcess start(Map<String, String> vars) throws IOException, InterruptedException {
        Path folder = RepositoryPaths.find("worker-cloudflare/test/serve-workerd.mjs")
                .getParent()
                .getParent();
        // The npm workspace installs every package's dependencies at the repository's root.
        if (!Files.isDirectory(folder.getParent().resolve("node_modules/miniflare"))) {
            throw new IllegalStateException(
                    "the npm workspace is not installed: run `npm ci` at the repository's root (./scripts/test does)");
        }
        List<String> command = new ArrayList<>(List.of(
                "node",
                "test/serve-workerd.mjs",
                "PACKETFS_WORKER_TOKEN=" + TOKEN,
                "PACKETFS_FETCH_ALLOW_HOSTS=127.0.0.1",
                "PACKETFS_FETCH_DOH_URL=",
                "PACKETFS_WORKER_LOCATION=loopback"));
        vars.forEach((k, v) -> command.add(k + "=" + v));
        Path log = Files.createTempFile("workerd", ".log");
        Process process = new ProcessBuilder(command)
                .directory(folder.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        CompletableFuture<URI> ready = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("READY ")) {
                        return URI.create(line.substring(6).trim());
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        try {
            URI url = ready.get(60, TimeUnit.SECONDS);
            if (url == null) {
                throw new IllegalStateException("workerd exited:\n" + Files.readString(log));
            }
            return new WorkerdProcess(process, url, log);
        } catch (ExecutionException | TimeoutException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new IllegalStateException("workerd did not start:\n" + Files.readString(log), e);
        }
    }

    public URI url() {
        return url;
    }

    /** SIGKILL to workerd and its launcher, as when an isolate's machine is lost. */
    public void kill() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
