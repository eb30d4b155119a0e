package dev.packetfs.dispatch.substrate.flyio;

import com.fasterxml.jackson.databind.JsonNode;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.worker.WorkerHttpAdapter;
import java.net.URI;
import java.time.Duration;

/**
 * The {@code flyio} substrate: worker-flyio machines behind their Fly.io app URL.
 *
 * <p>Fly bills machines by the second while they run, not per request. A job is charged the
 * machine time it occupied, {@code execution_time_ms} as the worker measured it: with auto-stop,
 * a machine runs about as long as it has work, so the per-job shares add up to the bill within
 * the idle tail before a machine stops.
 */
public final class FlyAdapter extends WorkerHttpAdapter {
    public static final String NAME = "flyio";

    public FlyAdapter(URI appUrl, String token, Settings settings) {
        super(settings.capability(NAME), appUrl, token, Duration.ofSeconds(5), FlyAdapter::billed);
    }

    /** The machine time the job's window is expected to take: the expected latency and its bytes at the assumed rate. */
    @Override
    public BilledUnits estimate(ComputeJob job) {
        return BilledUnits.of("machine_seconds", WorkerHttpAdapter.expectedMs(capability(), job) / 1000.0);
    }

    static BilledUnits billed(JsonNode body) {
        if (body == null || !body.path("execution_time_ms").canConvertToLong()) {
            return BilledUnits.NONE;
        }
        return BilledUnits.of(
                "machine_seconds", Math.max(1, body.get("execution_time_ms").longValue()) / 1000.0);
    }
}
