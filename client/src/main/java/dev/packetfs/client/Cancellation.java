package dev.packetfs.client;

/**
 * The answer to {@code DELETE /jobs/{id}}: {@code cancelled} (it had not started; its failed
 * result is stored) or {@code cancelling} (a fan-out job: no more of its windows start, its
 * result follows) (docs/jobs.md#cancelling).
 */
public record Cancellation(String jobId, String state) {}
