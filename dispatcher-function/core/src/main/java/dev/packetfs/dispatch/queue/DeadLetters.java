package dev.packetfs.dispatch.queue;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import java.util.List;

/** Jobs that failed for good, kept to be looked at and run again ({@code /dead-letters}). */
public interface DeadLetters {

    /** The newest dead letters first, at most {@code max}. */
    List<DeadLetter> newest(int max);

    /**
     * Queues a dead letter's job again, as a new submission with every attempt ahead of it, and
     * removes the dead letter. Its failed result is removed first, so the new run can store one.
     *
     * @throws JobRequeueException when it cannot run again (no such dead letter, no usable job,
     *     a window of a fan-out job, or a job whose id is queued or running again already)
     */
    SubmitOutcome requeue(String deadLetterId);

    /** The job a dead letter holds, when it may be queued again; else why not. */
    static ComputeJob requeueable(DeadLetter letter) {
        if (letter.jobId() == null) {
            throw new JobRequeueException(false, "dead letter " + letter.id() + " has no usable job_id: it cannot run");
        }
        ComputeJob job;
        try {
            job = JobJson.parse(letter.job());
        } catch (RuntimeException e) {
            throw new JobRequeueException(
                    false, "dead letter " + letter.id() + " holds a job that cannot run: " + e.getMessage());
        }
        if (job.window() != null) {
            throw new JobRequeueException(
                    false,
                    job.jobId() + " is a window of fan-out job " + job.window().parent()
                            + ", which failed with it; submit " + job.window().parent() + " again");
        }
        return job;
    }
}
