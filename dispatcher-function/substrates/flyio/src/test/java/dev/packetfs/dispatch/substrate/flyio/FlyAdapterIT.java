package dev.packetfs.dispatch.substrate.flyio;

import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.testing.SubstrateAdapterContract;
import dev.packetfs.dispatch.substrate.testing.WorkerProcess;
import dev.packetfs.dispatch.substrate.worker.WorkerHttpAdapter.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** FlyAdapter ↔ worker-flyio's packaged jar in its own JVM on loopback: every part is real. */
class FlyAdapterIT extends SubstrateAdapterContract {
    private static final int WORKER_SLOTS = 4;
    private static WorkerProcess worker;
    private static FlyAdapter adapter;

    @BeforeAll
    static void startWorker() throws Exception {
        worker = WorkerProcess.fly(WORKER_SLOTS);
        adapter = new FlyAdapter(worker.url(), WorkerProcess.TOKEN, settings());
    }

    private static Settings settings() {
        return new Settings(0.0028, Duration.ofMillis(20), 512, Duration.ofSeconds(60), WORKER_SLOTS);
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
        return new FlyAdapter(worker.url(), "not-the-token-0123456789", settings());
    }

    @Override
    protected SubstrateAdapter unreachableAdapter() {
        return new FlyAdapter(URI.create("http://127.0.0.1:9"), WorkerProcess.TOKEN, settings());
    }

    @Override
    protected int capacity() {
        return WORKER_SLOTS;
    }

    @Override
    protected Set<String> billedUnits() {
        return Set.of("machine_seconds");
    }
}
