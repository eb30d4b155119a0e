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
        String rawJob) {

    public Delivery {
        errors = List.copyOf(errors);
        avoid = Set.copyOf(avoid);
    }

    public String jobId() {
        return job.jobId();
    }
}
