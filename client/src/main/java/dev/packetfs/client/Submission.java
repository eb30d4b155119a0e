package dev.packetfs.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The answer to a submission ({@code POST /jobs}) or a requeue: the job's id, and whether it was
 * queued now. {@code queued} false means the id was known already (queued, running or finished)
 * and nothing new was queued: one id, one result (docs/jobs.md#idempotency).
 */
public record Submission(String jobId, boolean queued) {

    static Submission of(JsonNode answer) {
        return new Submission(
                answer.path("job_id").asText(), answer.path("queued").asBoolean());
    }
}
