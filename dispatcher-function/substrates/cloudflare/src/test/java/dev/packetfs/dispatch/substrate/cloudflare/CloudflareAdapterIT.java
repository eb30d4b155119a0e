package dev.packetfs.dispatch.substrate.cloudflare;

import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.testing.SubstrateAdapterContract;
import dev.packetfs.dispatch.substrate.testing.WorkerdProcess;
import dev.packetfs.dispatch.substrate.worker.WorkerHttpAdapter.Settings;
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
class CloudflareAdapterIT extends SubstrateAdapterContract {
    private static final int ISOLATE_SLOTS = 4;
    private static WorkerdProcess worker;
    private static CloudflareAdapter adapter;

    @BeforeAll
    static void startWorker() throws Exception {
        worker = WorkerdProcess.start(Map.of("PACKETFS_WORKER_MAX_CONCURRENCY", Integer.toString(ISOLATE_SLOTS)));
        adapter = new CloudflareAdapter(worker.url(), WorkerdProcess.TOKEN, settings());
    }

    private static Settings settings() {
        return new Settings(0.072, Duration.ofMillis(15), 128, Duration.ofSeconds(30), ISOLATE_SLOTS);
    }

    @AfterAll
    static void stopWorker() throws Exception {
        adapter.close();
        worker.close();
    }

    @Override
    protected SubstrateAdapter adapter() {
        return adapter;
    }

    @Override
    protected SubstrateAdapter adapterWithWrongCredentials() {
        return new CloudflareAdapter(worker.url(), "not-the-token-0123456789", settings());
    }

    @Override
    protected SubstrateAdapter unreachableAdapter() {
        return new CloudflareAdapter(URI.create("http://127.0.0.1:9"), WorkerdProcess.TOKEN, settings());
    }

    @Override
    protected int capacity() {
        return ISOLATE_SLOTS;
    }

    @Override
    protected Set<String> billedUnits() {
        return Set.of("requests", "cpu_ms");
    }
}
