package dev.packetfs.dispatch.job;

import dev.packetfs.kernel.Program;
import java.math.BigDecimal;

/**
 * A validated job: a program plus the constraints the dispatcher must honour when it picks a
 * substrate. Optional constraints are null when the submitter did not set them.
 *
 * @param substrate {@link #AUTO} or the name of the one substrate the job may run on
 * @param isPublic true when untrusted volunteer browsers may see the job's data
 */
public record ComputeJob(
        String jobId,
        Program program,
        Integer requiredMemoryMb,
        Long maxDurationMs,
        boolean requiresGpu,
        boolean requiresState,
        String substrate,
        BigDecimal maxCostUsd,
        boolean isPublic) {

    public static final String AUTO = "auto";

    public ComputeJob {
        JobIds.check(jobId);
        if (program == null) {
            throw new JobException("program", "is required");
        }
        substrate = substrate == null ? AUTO : substrate;
    }

    /** A job with no constraints, for any substrate. */
    public static ComputeJob of(String jobId, Program program) {
        return new ComputeJob(jobId, program, null, null, false, false, AUTO, null, false);
    }

    public ComputeJob withSubstrate(String name) {
        return new ComputeJob(jobId, program, requiredMemoryMb, maxDurationMs, requiresGpu, requiresState, name,
                maxCostUsd, isPublic);
    }

    public ComputeJob withPublic(boolean value) {
        return new ComputeJob(jobId, program, requiredMemoryMb, maxDurationMs, requiresGpu, requiresState, substrate,
                maxCostUsd, value);
    }

    public ComputeJob withId(String id) {
        return new ComputeJob(id, program, requiredMemoryMb, maxDurationMs, requiresGpu, requiresState, substrate,
                maxCostUsd, isPublic);
    }

    public boolean pinned() {
        return !AUTO.equals(substrate);
    }
}
