package dev.packetfs.dispatch.substrate.cloudflare;

import com.fasterxml.jackson.databind.JsonNode;
import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.worker.WorkerHttpAdapter;
import java.net.URI;
import java.time.Duration;

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

    static BilledUnits billed(JsonNode body) {
        JsonNode billed = body == null ? null : body.get("billed");
        if (billed == null || !billed.path("cpu_ms").canConvertToLong()) {
            return BilledUnits.of("requests", 1);
        }
        return BilledUnits.of("requests", Math.max(1, billed.path("requests").asLong(1)), "cpu_ms",
                billed.get("cpu_ms").longValue());
    }
}
