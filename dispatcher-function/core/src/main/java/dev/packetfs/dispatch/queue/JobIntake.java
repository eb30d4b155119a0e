package dev.packetfs.dispatch.queue;

import dev.packetfs.dispatch.job.ComputeJob;
import java.util.List;

/**
 * The producer's side of the queue (BullMQ's {@code Queue}): jobs go in, and a job not yet
 * started may be called back. Used by the HTTP API and by producers that talk to Redis directly.
 */
public interface JobIntake {

    /** Queues jobs, in order; a job whose id is already known is not queued again. */
    List<SubmitOutcome> submit(List<ComputeJob> jobs);

    default SubmitOutcome submit(ComputeJob job) {
        return submit(List.of(job)).get(0);
    }

    /**
     * Adds job text to the ingress list exactly as {@code LPUSH packetfs:jobs:queue '<job>'} does:
     * unvalidated. A job that turns out invalid is settled as failed (or dead-lettered when it has
     * no usable {@code job_id}) when it is taken.
     */
    void pushRaw(String jobJson);

    /**
     * {@code DELETE /jobs/{id}}: a job that has not started will not; a fan-out job starts no more
     * windows and finishes as cancelled.
     */
    CancelOutcome cancel(String jobId);

    /** The error a job cancelled before it ran fails with. */
    static String cancelledError(String jobId) {
        return "cancelled (DELETE /jobs/" + jobId + ") before it ran";
    }
}
