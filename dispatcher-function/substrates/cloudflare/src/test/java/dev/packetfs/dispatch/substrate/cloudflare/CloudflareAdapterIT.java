package dev.packetfs.dispatch.substrate.cloudflare;

import dev.packetfs.dispatch.contract.WorkerProtocolContract;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.worker.WorkerHttpAdapter.Settings;
import dev.packetfs.testing.WorkerdProcess;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * CloudflareAdapter ↔ worker-cloudflare in a real workerd process on loopback, as bundled for
 * {@code wrangler deploy}. Real: the adapter, the HTTP client, workerd, the Worker, the shared
 * JavaScript kernel, its fetch of the window. Not here: Cloudflare's edge in front of it.
 */
class CloudflareAdapterIT extends WorkerProtocolContract {
    private static WorkerdProcess worker;

    @BeforeAll
    static void startWorker() throws Exception {
        worker = WorkerdProcess.start(Map.of("PACKETFS_WORKER_MAX_CONCURRENCY", Integer.toString(WORKER_SLOTS)));
    }

    @AfterAll
    static void stopWorker() throws Exception {
        if (worker != null) { // null when it did not start: that failure is the one to report
            worker.close();
        }
    }

    @Override
    protected SubstrateAdapter adapterFor(URI url, String token) {
        return new CloudflareAdapter(
                url, token, new Settings(0.072, Duration.ofMillis(15), 128, Duration.ofSeconds(30), WORKER_SLOTS));
    }

    @Override
    protected URI workerUrl() {
        return worker.url();
    }

    @Override
    protected String workerToken() {
        return WorkerdProcess.TOKEN;
    }

    @Override
    protected Set<String> billedUnits() {
        return Set.of("requests", "cpu_ms");
    }
}
