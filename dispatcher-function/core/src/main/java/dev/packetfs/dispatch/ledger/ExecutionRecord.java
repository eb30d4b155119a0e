package dev.packetfs.dispatch.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.JobJson;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One execution of one job on one substrate, as kept in {@code packetfs:metrics}.
 *
 * @param failure null on success, else the failure kind ({@code RETRYABLE}, {@code THROTTLED}...)
 * @param costPicoUsd what the provider bills for it, in 10^-12 USD
 */
public record ExecutionRecord(
        String jobId, String substrate, String failure, long latencyMs, long costPicoUsd, long bytes, Instant at) {

    private static final BigDecimal PICO = BigDecimal.TEN.pow(12);

    public boolean ok() {
        return failure == null;
    }

    public boolean throttled() {
        return "THROTTLED".equals(failure);
    }

    public ObjectNode toJson() {
        ObjectNode node = JobJson.MAPPER.createObjectNode();
        node.put("job_id", jobId);
        node.put("substrate", substrate);
        node.put("ok", ok());
        if (failure != null) {
            node.put("failure", failure);
        }
        node.put("latency_ms", latencyMs);
        node.put("cost_usd", JobJson.usd(costPicoUsd));
        node.put("bytes", bytes);
        node.put("at", at.truncatedTo(ChronoUnit.MICROS).toString());
        return node;
    }

    public static ExecutionRecord fromJson(JsonNode node) {
        JsonNode failure = node.get("failure");
        return new ExecutionRecord(
                node.get("job_id").asText(),
                node.get("substrate").asText(),
                failure == null || failure.isNull() ? null : failure.asText(),
                node.get("latency_ms").asLong(),
                node.get("cost_usd").decimalValue().multiply(PICO).longValue(),
                node.get("bytes").asLong(),
                Instant.parse(node.get("at").asText()));
    }
}
