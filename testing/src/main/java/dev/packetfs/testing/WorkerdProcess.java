package dev.packetfs.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * worker-cloudflare in workerd on a free loopback port: {@code test/serve-workerd.mjs} bundles
 * {@code src/worker.mjs} with the shared kernel as {@code wrangler deploy} would and runs it with
 * Miniflare. Needs {@code npm ci} at the repository's root (./scripts/test runs it first).
 */
public final class WorkerdProcess implements AutoCloseable {
    public static final String TOKEN = "cloudflare-contract-token-0123456789";
    /** What serve-workerd.mjs prints once the Worker answers: its URL. */
    private static final Pattern READY = Pattern.compile("^READY (\\S+)$", Pattern.MULTILINE);

    private final ChildProcess process;
    private final URI url;

    private WorkerdProcess(ChildProcess process, URI url) {
        this.process = process;
        this.url = url;
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
        ChildProcess process =
                ChildProcess.command("workerd", command).directory(folder).start();
        try {
            return new WorkerdProcess(
                    process,
                    URI.create(process.awaitLog(READY, Duration.ofSeconds(60)).group(1)));
        } catch (RuntimeException | InterruptedException e) {
            process.kill(); // workerd and its launcher
            throw e;
        }
    }

    public URI url() {
        return url;
    }

    /** SIGKILL to workerd and its launcher, as when an isolate's machine is lost. */
    public void kill() throws InterruptedException {
        process.kill();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
