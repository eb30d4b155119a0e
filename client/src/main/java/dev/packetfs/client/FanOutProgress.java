package dev.packetfs.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;

/**
 * How far a fan-out job is (the {@code fanout} object of {@code GET /jobs/{id}},
 * docs/jobs.md#its-state): windows answered of all, bytes answered of all, and what its
 * executions cost so far. {@code json} holds the rest (per-substrate shares, hedges, version).
 *
 * @param state {@code running}, {@code merging}, {@code restarting}, or on the way to a failed
 *     result {@code failed}, {@code changed}, {@code cancelled}, {@code stopped}; {@code succeeded}
 *     once finished
 */
public record FanOutProgress(
        String state, long windows, long windowsDone, long bytes, long bytesDone, BigDecimal costUsd, JsonNode json) {

    static FanOutProgress of(JsonNode fanout) {
        return new FanOutProgress(
                fanout.path("state").asText(),
                fanout.path("windows").asLong(),
                fanout.path("windows_done").asLong(),
                fanout.path("bytes").asLong(),
                fanout.path("bytes_done").asLong(),
                Json.decimal(fanout, "cost_usd"),
                fanout);
    }
}
