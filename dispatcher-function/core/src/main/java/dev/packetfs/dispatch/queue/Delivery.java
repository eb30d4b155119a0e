package dev.packetfs.dispatch.queue;

import dev.packetfs.dispatch.job.ComputeJob;
import java.util.List;
import java.util.Set;

/**
 * A job handed to one consumer, with what earlier attempts left behind.
 *
 * @param handle the queue's reference to this delivery (a Redis stream entry id)
 * @param token identifies the submission: the same across redeliveries and retries, different for
 *     a second submission of the same job id, which is how duplicates are recognised
 * @param attempts attempts burned before this delivery
 * @param throttles times the job was pushed back by throttling (they burn no attempt)
 * @param errors what went wrong in earlier attempts, oldest first
 * @param avoid substrates that failed this job, tried last
 * @param costPicoUsd what earlier attempts cost
 * @param rawJob the job as stored, kept for dead letters
 * @param restarts for a fan-out job planned again after its object changed: which restart this is
 *     (its new plan's number); 0 otherwise
 */
public record Delivery(
        ComputeJob job,
        String handle,
        String token,
        int attempts,
        int throttles,
        List<String> errors,
        Set<String> avoid,
        long costPicoUsd,
        String rawJob,
        int restarts) {

    public Delivery {
        errors = List.copyOf(errors);
        avoid = Set.copyOf(avoid);
    }

    /** A delivery of a job as submitted, or retried: no restart of a fan-out plan. */
    public Delivery(
            ComputeJob job,
            String handle,
            String token,
            int attempts,
            int throttles,
            List<String> errors,
            Set<String> avoid,
            long costPicoUsd,
            String rawJob) {
        this(job, handle, token, attempts, throttles, errors, avoid, costPicoUsd, rawJob, 0);
    }

    public String jobId() {
        return job.jobId();
    }
}
