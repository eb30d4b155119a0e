package dev.packetfs.dispatch.substrate.flyio;

import dev.packetfs.dispatch.contract.WorkerProtocolContract;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.worker.WorkerHttpAdapter.Settings;
import dev.packetfs.testing.WorkerProcess;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** FlyAdapter ↔ worker-flyio's packaged jar in its own JVM on loopback: every part is real. */
class FlyAdapterIT extends WorkerProtocolContract {
    private static WorkerProcess worker;

    @BeforeAll
    static void startWorker() throws Exception {
        worker = WorkerProcess.fly(WORKER_SLOTS);
    }

    @AfterAll
    static void stopWorker() throws Exception {
        if (worker != null) { // null when it did not start: that failure is the one to report
            worker.close();
        }
    }

    @Override
    protected SubstrateAdapter adapterFor(URI url, String token) {
        return new FlyAdapter(
                url, token, new Settings(0.0028, Duration.ofMillis(20), 512, Duration.ofSeconds(60), WORKER_SLOTS));
    }

    @Override
    protected URI workerUrl() {
        return worker.url();
    }

    @Override
    protected String workerToken() {
        return WorkerProcess.TOKEN;
    }

    @Override
    protected Set<String> billedUnits() {
        return Set.of("machine_seconds");
    }
}
