package dev.packetfs.dispatch.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * The outcome of a job, stored at {@code packetfs:results:<job_id>}.
 *
 * @param result the kernel's result object; null when the job failed
 * @param executionTimeMs time on the substrate that produced the outcome
 * @param costPicoUsd what every attempt of the job cost, in 10^-12 USD (exact; rendered as {@code cost_usd})
 * @param attempts executions tried, the successful one included
 * @param summary for a fan-out job: its windows, bytes and cost per substrate; null otherwise
 */
public record JobResult(
        String jobId,
        Status status,
        String substrate,
        ObjectNode result,
        long executionTimeMs,
        long costPicoUsd,
        int attempts,
        String error,
        Instant completedAt,
        ObjectNode summary) {

    /** The result of a job that did not fan out. */
    public JobResult(
            String jobId,
            Status status,
            String substrate,
            ObjectNode result,
            long executionTimeMs,
            long costPicoUsd,
            int attempts,
            String error,
            Instant completedAt) {
        this(jobId, status, substrate, result, executionTimeMs, costPicoUsd, attempts, error, completedAt, null);
    }

    public enum Status {
        SUCCEEDED("succeeded"),
        FAILED("failed");

        private final String wireName;

        Status(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static Status fromWireName(String name) {
            return name.equals("succeeded") ? SUCCEEDED : FAILED;
        }
    }

    public boolean succeeded() {
        return status == Status.SUCCEEDED;
    }

    public static JobResult failed(String jobId, String substrate, int attempts, long costPicoUsd, String error) {
        return new JobResult(jobId, Status.FAILED, substrate, null, 0, costPicoUsd, attempts, error, Instant.now());
    }
}
