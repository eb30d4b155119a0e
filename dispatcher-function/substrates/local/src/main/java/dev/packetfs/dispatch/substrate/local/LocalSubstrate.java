package dev.packetfs.dispatch.substrate.local;

import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.dispatch.substrate.ExecutionRequest;
import dev.packetfs.dispatch.substrate.HealthReport;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.SubstrateCapability;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramException;
import dev.packetfs.protocol.fetch.FetchException;
import dev.packetfs.protocol.fetch.WindowFetcher;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The kernel in the dispatcher's own JVM: free, and the lowest latency for inline data and
 * nearby objects. Inline programs run on the calling thread (they take microseconds); programs
 * that fetch run on {@code fetchExecutor}, so a slow origin never stalls the dispatch loop.
 */
public final class LocalSubstrate implements SubstrateAdapter {
    public static final String NAME = "local";

    private final SubstrateCapability capability;
    private final WindowFetcher fetcher;
    private final Executor fetchExecutor;

    public LocalSubstrate(
            WindowFetcher fetcher, Executor fetchExecutor, int maxConcurrency, int maxMemoryMb, Duration maxDuration) {
        this.fetcher = fetcher;
        this.fetchExecutor = fetchExecutor;
        this.capability = new SubstrateCapability(
                NAME,
                0.0,
                Duration.ofMillis(1),
                maxMemoryMb,
                maxDuration.toMillis(),
                false,
                true,
                maxConcurrency,
                true);
    }

    @Override
    public SubstrateCapability capability() {
        return capability;
    }

    @Override
    public CompletionStage<ExecutionOutcome> execute(ExecutionRequest request) {
        Program program = request.job().program();
        if (program.dataUrl() == null) {
            return CompletableFuture.completedFuture(run(program, request.timeout()));
        }
        return CompletableFuture.supplyAsync(() -> run(program, request.timeout()), fetchExecutor);
    }

    private ExecutionOutcome run(Program program, Duration timeout) {
        long start = System.nanoTime();
        try {
            KernelResult result =
                    program.dataUrl() == null ? Kernel.execute(program) : fetcher.fetchAndExecute(program, timeout);
            return new ExecutionOutcome.Success(
                    result.toJson(), result.bytesProcessed(), millisSince(start), BilledUnits.NONE, NAME);
        } catch (ProgramException e) {
            return failure(FailureKind.JOB_ERROR, e.getMessage(), start);
        } catch (FetchException e) {
            return failure(kindOf(e), "data_url: " + e.getMessage(), start);
        } catch (RuntimeException e) {
            return failure(FailureKind.RETRYABLE, "local kernel failed: " + e, start);
        }
    }

    /**
     * A refused address or an oversize window is the job's for good, and so is an object that is
     * no longer the version the program pins; whatever else the origin did (an error status, too
     * slow, a malformed answer, a broken connection) is the origin's: retried later, and never
     * held against this substrate.
     */
    static FailureKind kindOf(FetchException e) {
        return switch (e.kind()) {
            case ADDRESS_REFUSED, TOO_LARGE -> FailureKind.JOB_ERROR;
            case OBJECT_CHANGED -> FailureKind.OBJECT_CHANGED;
            case HTTP_STATUS, TIMEOUT, IO, BAD_REPLY -> FailureKind.ORIGIN;
        };
    }

    private static ExecutionOutcome failure(FailureKind kind, String message, long start) {
        return new ExecutionOutcome.Failure(kind, message, millisSince(start), BilledUnits.NONE);
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Override
    public CompletionStage<HealthReport> health() {
        return CompletableFuture.completedFuture(HealthReport.up());
    }
}
