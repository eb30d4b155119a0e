package dev.packetfs.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * A job's state, as {@code GET /jobs/{id}} answers it: {@code {"job_id", "state", "attempts",
 * "substrate"?, "error"?, "fanout"?}} (docs/http-api.md).
 *
 * @param state {@code queued}, {@code running}, {@code retrying}, … and finally {@code succeeded}
 *     or {@code failed}
 * @param json the whole answer
 */
public record JobStatus(String jobId, String state, JsonNode json) {

    static JobStatus of(JsonNode answer) {
        return new JobStatus(
                answer.path("job_id").asText(), answer.path("state").asText(), answer);
    }

    /** True once the job has its result. */
    public boolean finished() {
        return JobResult.SUCCEEDED.equals(state) || JobResult.FAILED.equals(state);
    }

    /** How many times it has been attempted. */
    public int attempts() {
        return json.path("attempts").asInt();
    }

    /** The substrate of its last attempt; empty before its first. */
    public Optional<String> substrate() {
        return Json.text(json, "substrate");
    }

    /** What went wrong last, while it is retried or once it failed. */
    public Optional<String> error() {
        return Json.text(json, "error");
    }

    /** A fan-out job's progress (and, once it finished, its summary); empty for a job run in one piece. */
    public Optional<FanOutProgress> fanOut() {
        JsonNode f = json.get("fanout");
        return f == null || !f.isObject() ? Optional.empty() : Optional.of(FanOutProgress.of(f));
    }
}
