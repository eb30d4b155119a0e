package dev.packetfs.dispatch.substrate.cloudrun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.packetfs.dispatch.contract.WorkerProtocolContract;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.worker.WorkerHttpAdapter.Settings;
import dev.packetfs.testing.WorkerProcess;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CloudRunAdapter ↔ worker-flyio's packaged jar, unchanged, run as Cloud Run runs a container:
 * its port only from {@code PORT}, the worker token from the environment. Every part is real but
 * Google's front end (TLS, the request timeout, autoscaling), which is not on this machine.
 */
class CloudRunAdapterIT extends WorkerProtocolContract {
    private static final double VCPUS = 2;
    private static WorkerProcess worker;

    @BeforeAll
    static void startWorker() throws Exception {
        worker = WorkerProcess.cloudRun(WORKER_SLOTS);
    }

    @AfterAll
    static void stopWorker() throws Exception {
        if (worker != null) { // null when it did not start: that failure is the one to report
            worker.close();
        }
    }

    @Override
    protected SubstrateAdapter adapterFor(URI url, String token) {
        return new CloudRunAdapter(
                url,
                token,
                new Settings(0.091, Duration.ofMillis(20), 1024, Duration.ofSeconds(60), WORKER_SLOTS),
                VCPUS);
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
        return Set.of("requests", "vcpu_seconds", "gib_seconds");
    }

    /** One request, and the instance time in whole 100 ms at the service's 2 vCPU and 1 GiB. */
    @Test
    void anAnswerIsBilledAsCloudRunBillsARequest() throws Exception {
        ExecutionOutcome.Success s = assertInstanceOf(
                ExecutionOutcome.Success.class,
                run(adapter(), job("bill-run", "{\"op\":\"xor\",\"data\":\"AQI=\"}"), Duration.ofSeconds(10)));
        Map<String, Double> q = s.billed().quantities();
        assertEquals(1.0, q.get("requests"));
        double tenths = q.get("gib_seconds") * 10;
        assertEquals(Math.rint(tenths), tenths, 1e-9, "instance time is billed in whole 100 ms: " + q);
        assertEquals(VCPUS * q.get("gib_seconds"), q.get("vcpu_seconds"), 1e-12, q.toString());
        assertEquals("loopback-run", s.location());
    }
}
