package dev.packetfs.dispatch.substrate;

import dev.packetfs.dispatch.job.ComputeJob;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * One place jobs can run: AWS Lambda, a Fly.io machine, a Cloudflare Worker, volunteer browsers,
 * the dispatcher's own JVM. The dispatcher asks it what it can do ({@link #capability()}), whether
 * it is up ({@link #health()}), and to run programs ({@link #execute}); it never blocks a
 * dispatcher thread.
 */
public interface SubstrateAdapter extends AutoCloseable {

    SubstrateCapability capability();

    /**
     * Executions it takes at once now. Fixed for most substrates; an elastic one (volunteer
     * browsers: live nodes × their concurrency) answers what it has at this moment.
     */
    default int capacity() {
        return capability().maxConcurrency();
    }

    /**
     * Runs one program. The stage completes with an outcome for every kind of failure (it is not
     * completed exceptionally for a failure the adapter understood), and within the request's
     * timeout or shortly after.
     */
    CompletionStage<ExecutionOutcome> execute(ExecutionRequest request);

    /** Probes the substrate; completes with an unhealthy report rather than exceptionally. */
    CompletionStage<HealthReport> health();

    /**
     * Health known here and now without I/O, for a substrate whose state changes between probes
     * (volunteers joining and leaving); empty for the rest, whose last probe stands.
     */
    default Optional<HealthReport> currentHealth() {
        return Optional.empty();
    }

    /** The units this job is expected to bill here, for {@code max_cost_usd} checks. */
    default BilledUnits estimate(ComputeJob job) {
        return BilledUnits.NONE;
    }

    @Override
    default void close() {}
}
