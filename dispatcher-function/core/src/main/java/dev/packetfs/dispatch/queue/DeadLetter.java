package dev.packetfs.dispatch.queue;

import java.time.Instant;
import java.util.List;

/**
 * A job that failed every attempt (or could not be read), as the dead-letter stream keeps it.
 *
 * @param id its entry in the dead-letter stream, which {@code requeue} takes
 * @param jobId null for a job without a usable id
 * @param op the program's op, when the job could be read
 * @param errors what went wrong, oldest first
 * @param job the job as it was queued
 */
public record DeadLetter(
        String id, String jobId, String op, int attempts, List<String> errors, Instant at, String job) {

    public DeadLetter {
        errors = List.copyOf(errors);
    }
}
