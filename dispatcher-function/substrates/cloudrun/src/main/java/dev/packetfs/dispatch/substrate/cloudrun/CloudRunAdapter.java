package dev.packetfs.dispatch.substrate.cloudrun;

import com.fasterxml.jackson.databind.JsonNode;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.worker.WorkerHttpAdapter;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code cloudrun} substrate: the worker-flyio image, unchanged, as a Google Cloud Run service
 * (it listens on {@code PORT} and requires the worker token), spoken to with the worker protocol.
 *
 * <p>With request-based billing Cloud Run charges each request, and an instance's vCPU and memory
 * for the time it is handling requests, rounded up to 100 ms. A job is charged one request and
 * the instance time it occupied ({@code execution_time_ms} as the worker measured it, rounded up
 * to 100 ms) at the service's vCPU and memory. Jobs that overlap on one instance share its billed
 * time, so the per-job shares are an upper bound of the bill.
 */
public final class CloudRunAdapter extends WorkerHttpAdapter {
    public static final String NAME = "cloudrun";
    private static final double MIB_PER_GIB = 1024;

    private final double vcpus;
    private final double gib;

    /** @param vcpus the service's {@code --cpu}; its memory is {@code settings.maxMemoryMb()} */
    public CloudRunAdapter(URI serviceUrl, String token, Settings settings, double vcpus) {
        super(
                settings.capability(NAME),
                serviceUrl,
                token,
                Duration.ofSeconds(5),
                body -> billed(body, vcpus, settings.maxMemoryMb() / MIB_PER_GIB));
        this.vcpus = vcpus;
        this.gib = settings.maxMemoryMb() / MIB_PER_GIB;
    }

    /** One request and the instance time the job's window is expected to take. */
    @Override
    public BilledUnits estimate(ComputeJob job) {
        return units(WorkerHttpAdapter.expectedMs(capability(), job), vcpus, gib);
    }

    static BilledUnits billed(JsonNode body, double vcpus, double gib) {
        if (body == null || !body.path("execution_time_ms").canConvertToLong()) {
            return BilledUnits.of("requests", 1);
        }
        return units(body.get("execution_time_ms").longValue(), vcpus, gib);
    }

    private static BilledUnits units(double ms, double vcpus, double gib) {
        double seconds = Math.max(1, Math.ceil(ms / 100)) / 10;
        return new BilledUnits(Map.of("requests", 1.0, "vcpu_seconds", seconds * vcpus, "gib_seconds", seconds * gib));
    }
}
