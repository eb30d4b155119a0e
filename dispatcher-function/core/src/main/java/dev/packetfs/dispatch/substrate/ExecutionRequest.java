package dev.packetfs.dispatch.substrate;

import dev.packetfs.dispatch.job.ComputeJob;
import java.time.Duration;

/** One execution of a job's program on one substrate, with the time it may take. */
public record ExecutionRequest(ComputeJob job, Duration timeout) {

    public String jobId() {
        return job.jobId();
    }
}
