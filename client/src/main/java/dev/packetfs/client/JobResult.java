package dev.packetfs.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;

/**
 * What {@code GET /results/{id}} answered: once the job finished ({@code 200}), its result
 * (docs/jobs.md#result-json); before that ({@code 202}), {@code {"job_id", "state"}}.
 *
 * @param status {@code succeeded} or {@code failed} once {@link #finished()}; before that the
 *     job's state ({@code queued}, {@code running}, …)
 * @param finished true when this is the job's result ({@code 200}); false while it is queued or
 *     running ({@code 202}), whatever its state says
 * @param json the answer
 * @param text the answer as the dispatcher wrote it, to pass on unchanged
 */
public record JobResult(String jobId, String status, boolean finished, JsonNode json, String text) {
    static final String SUCCEEDED = "succeeded";
    static final String FAILED = "failed";

    static JobResult ofResult(JsonNode answer, String text) {
        return new JobResult(
                answer.path("job_id").asText(), answer.path("status").asText(), true, answer, text);
    }

    static JobResult ofPending(JsonNode answer, String text) {
        return new JobResult(
                answer.path("job_id").asText(), answer.path("state").asText(), false, answer, text);
    }

    /** True when the job finished and succeeded. */
    public boolean succeeded() {
        return finished && SUCCEEDED.equals(status);
    }

    /** The kernel's result object ({@code checksum}, {@code hash}, …; docs/kernel.md); null when the job failed or is not finished. */
    public JsonNode result() {
        JsonNode r = json.get("result");
        return r == null || r.isNull() ? null : r;
    }

    /** Why the job failed. */
    public Optional<String> error() {
        return Json.text(json, "error");
    }

    /** The substrate that ran the job last; empty when none did, or before it finished. */
    public Optional<String> substrate() {
        return Json.text(json, "substrate");
    }

    /** How long the last attempt ran, in milliseconds; 0 before it finished. */
    public long executionTimeMs() {
        return json.path("execution_time_ms").asLong();
    }

    /** What the job's executions cost, exact (docs/jobs.md); 0 before it finished. */
    public BigDecimal costUsd() {
        return Json.decimal(json, "cost_usd");
    }

    /** How many attempts it took; 0 before it finished. */
    public int attempts() {
        return json.path("attempts").asInt();
    }

    /** When it finished; empty before. */
    public Optional<Instant> completedAt() {
        return Json.text(json, "completed_at").map(Instant::parse);
    }
}
