package dev.packetfs.dispatch.substrate.cloudflare;

import com.fasterxml.jackson.databind.JsonNode;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.worker.WorkerHttpAdapter;
import dev.packetfs.kernel.Op;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code cloudflare} substrate: worker-cloudflare on Cloudflare Workers, reached at its
 * {@code workers.dev} (or custom domain) URL with the worker protocol.
 *
 * <p>Billing (Workers Standard): one request plus CPU milliseconds. The Worker reports both in
 * its answer's {@code billed}; its CPU figure is an estimate from the bytes it processed, since a
 * Worker's clocks stand still while it computes. An answer without {@code billed} (an error from
 * Cloudflare itself) is charged one request.
 */
public final class CloudflareAdapter extends WorkerHttpAdapter {
    public static final String NAME = "cloudflare";

    public CloudflareAdapter(URI workerUrl, String token, Settings settings) {
        super(settings.capability(NAME), workerUrl, token, Duration.ofSeconds(5), CloudflareAdapter::billed);
    }

    /**
     * Bytes one CPU millisecond covers, per op: the Worker's own table (worker-cloudflare's
     * BYTES_PER_CPU_MS), from which it reports {@code cpu_ms}.
     */
    private static final Map<Op, Long> BYTES_PER_CPU_MS =
            Map.of(Op.CRC32C, 300_000L, Op.FNV64, 250_000L, Op.COUNTEQ, 300_000L, Op.XOR, 1_000_000L, Op.ADD, 400_000L);

    /** One request and the CPU time the Worker will report for the job's window. */
    @Override
    public BilledUnits estimate(ComputeJob job) {
        long bytes = WorkerHttpAdapter.windowBytes(job);
        return BilledUnits.of(
                "requests",
                1,
                "cpu_ms",
                Math.max(1, (bytes - 1) / BYTES_PER_CPU_MS.get(job.program().op()) + 1));
    }

    static BilledUnits billed(JsonNode body) {
        JsonNode billed = body == null ? null : body.get("billed");
        if (billed == null || !billed.path("cpu_ms").canConvertToLong()) {
            return BilledUnits.of("requests", 1);
        }
        return BilledUnits.of(
                "requests",
                Math.max(1, billed.path("requests").asLong(1)),
                "cpu_ms",
                billed.get("cpu_ms").longValue());
    }
}
