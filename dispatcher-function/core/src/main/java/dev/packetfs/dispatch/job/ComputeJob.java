package dev.packetfs.dispatch.job;

import dev.packetfs.kernel.Program;
import java.math.BigDecimal;
import java.util.List;

/**
 * A validated job: a program plus the constraints the dispatcher must honour when it picks a
 * substrate. Optional constraints are null when the submitter did not set them.
 *
 * @param substrate {@link #AUTO} or the name of the one substrate the job may run on
 * @param isPublic true when untrusted volunteer browsers may see the job's data
 * @param windowBytes for a {@code data_url} job: cut a window larger than this into windows of
 *     this many bytes, run as jobs of their own and merged (a fan-out job); null: one job
 * @param substrates the substrates the job (and each of its windows) may run on; empty: any
 * @param window set on the windows of a fan-out job, by the dispatcher; null otherwise
 * @param restartOnChange for a fan-out job: when its object changes while it runs, plan it again
 *     against the new version ({@code "on_change": "restart"}) instead of failing
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
        boolean isPublic,
        Long windowBytes,
        List<String> substrates,
        WindowRef window,
        boolean restartOnChange) {

    public static final String AUTO = "auto";

    public ComputeJob {
        if (window == null) {
            JobIds.check(jobId);
        } else if (!window.jobId().equals(jobId)) {
            throw new JobException("job_id", "a window's id is " + window.jobId() + ", got '" + jobId + "'");
        }
        if (program == null) {
            throw new JobException("program", "is required");
        }
        substrate = substrate == null ? AUTO : substrate;
        substrates = substrates == null ? List.of() : List.copyOf(substrates);
    }

    /** A job without fan-out or a list of substrates. */
    public ComputeJob(
            String jobId,
            Program program,
            Integer requiredMemoryMb,
            Long maxDurationMs,
            boolean requiresGpu,
            boolean requiresState,
            String substrate,
            BigDecimal maxCostUsd,
            boolean isPublic) {
        this(
                jobId,
                program,
                requiredMemoryMb,
                maxDurationMs,
                requiresGpu,
                requiresState,
                substrate,
                maxCostUsd,
                isPublic,
                null,
                List.of(),
                null,
                false);
    }

    /** A job with no constraints, for any substrate. */
    public static ComputeJob of(String jobId, Program program) {
        return new ComputeJob(jobId, program, null, null, false, false, AUTO, null, false);
    }

    public ComputeJob withSubstrate(String name) {
        return new ComputeJob(
                jobId,
                program,
                requiredMemoryMb,
                maxDurationMs,
                requiresGpu,
                requiresState,
                name,
                maxCostUsd,
                isPublic,
                windowBytes,
                substrates,
                window,
                restartOnChange);
    }

    public ComputeJob withPublic(boolean value) {
        return new ComputeJob(
                jobId,
                program,
                requiredMemoryMb,
                maxDurationMs,
                requiresGpu,
                requiresState,
                substrate,
                maxCostUsd,
                value,
                windowBytes,
                substrates,
                window,
                restartOnChange);
    }

    public ComputeJob withId(String id) {
        return new ComputeJob(
                id,
                program,
                requiredMemoryMb,
                maxDurationMs,
                requiresGpu,
                requiresState,
                substrate,
                maxCostUsd,
                isPublic,
                windowBytes,
                substrates,
                window,
                restartOnChange);
    }

    public ComputeJob withWindowBytes(Long bytes) {
        return new ComputeJob(
                jobId,
                program,
                requiredMemoryMb,
                maxDurationMs,
                requiresGpu,
                requiresState,
                substrate,
                maxCostUsd,
                isPublic,
                bytes,
                substrates,
                window,
                restartOnChange);
    }

    public ComputeJob withRestartOnChange(boolean restart) {
        return new ComputeJob(
                jobId,
                program,
                requiredMemoryMb,
                maxDurationMs,
                requiresGpu,
                requiresState,
                substrate,
                maxCostUsd,
                isPublic,
                windowBytes,
                substrates,
                window,
                restart);
    }

    public ComputeJob withSubstrates(List<String> names) {
        return new ComputeJob(
                jobId,
                program,
                requiredMemoryMb,
                maxDurationMs,
                requiresGpu,
                requiresState,
                substrate,
                maxCostUsd,
                isPublic,
                windowBytes,
                names,
                window,
                restartOnChange);
    }

    /**
     * The job that runs one window of this fan-out job: the same constraints (but no budget of its
     * own: {@code max_cost_usd} bounds the parent as a whole) over {@code program}.
     */
    public ComputeJob windowJob(WindowRef ref, Program windowProgram) {
        return new ComputeJob(
                ref.jobId(),
                windowProgram,
                requiredMemoryMb,
                maxDurationMs,
                requiresGpu,
                requiresState,
                substrate,
                null,
                isPublic,
                null,
                substrates,
                ref,
                false);
    }

    /** For a window: the same window as a duplicate, to run elsewhere (a hedge). */
    public ComputeJob hedge() {
        WindowRef ref = window.asHedge();
        return new ComputeJob(
                ref.jobId(),
                program,
                requiredMemoryMb,
                maxDurationMs,
                requiresGpu,
                requiresState,
                substrate,
                maxCostUsd,
                isPublic,
                windowBytes,
                substrates,
                ref,
                false);
    }

    public boolean pinned() {
        return !AUTO.equals(substrate);
    }

    /** True for a job the dispatcher cuts into windows rather than running at once. */
    public boolean fansOut() {
        return windowBytes != null && window == null && program.dataUrl() != null;
    }
}
