package dev.packetfs.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The answer to {@code DELETE /jobs/{id}}: {@code cancelled} (it had not started; its failed
 * result is stored) or {@code cancelling} (a fan-out job: no more of its windows start, its
 * result follows) (docs/jobs.md#cancelling).
 */
public record Cancellation(String jobId, String state) {

    static Cancellation of(JsonNode answer) {
        return new Cancellation(
                answer.path("job_id").asText(), answer.path("state").asText());
    }
}
