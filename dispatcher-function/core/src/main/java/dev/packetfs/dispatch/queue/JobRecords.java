package dev.packetfs.dispatch.queue;

import dev.packetfs.dispatch.job.JobResult;
import java.util.Optional;

/**
 * What became of a job (BullMQ's {@code Job} getters): its state while it waits or runs, its
 * result once it finished. A job id yields one stored result however often the job is submitted
 * or delivered.
 */
public interface JobRecords {

    Optional<JobStatus> status(String jobId);

    Optional<JobResult> result(String jobId);

    /**
     * Replaces the stored result of a finished job, keeping its expiry: a result later found
     * wrong (an untrusted volunteer caught lying) is put right. Does nothing when no result is
     * stored (never stored, or expired).
     */
    void correctResult(JobResult corrected);
}
