package dev.packetfs.client;

import com.fasterxml.jackson.databind.JsonNode;
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
        JsonNode e = json.get("error");
        return e != null && e.isTextual() ? Optional.of(e.asText()) : Optional.empty();
    }
}
