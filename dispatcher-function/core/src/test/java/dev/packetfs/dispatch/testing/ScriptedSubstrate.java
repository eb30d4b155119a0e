package dev.packetfs.dispatch.testing;

import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionRequest;
import dev.packetfs.dispatch.substrate.HealthReport;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.SubstrateCapability;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * A substrate for dispatcher tests that runs the real kernel but whose behaviour per call is
 * scripted: fail, throttle, be slow. It stands in for a provider's misbehaviour, which no real
 * provider can be made to produce on demand; the real workers have their own contract tests.
 */
public class ScriptedSubstrate implements SubstrateAdapter {

    /** What the n-th call (from 1) for a job does. */
    public enum Act {
        RUN,
        FAIL,
        THROTTLE,
        BAD_INPUT,
        MISCONFIGURED
    }

    private final SubstrateCapability capability;
    private final BiFunction<String, Integer, Act> script;
    private final Duration delay;
    private final BilledUnits billed;
    private final ConcurrentHashMap<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    public final AtomicInteger executions = new AtomicInteger();
    public final AtomicInteger running = new AtomicInteger();
    public final AtomicInteger mostAtOnce = new AtomicInteger();
    public volatile boolean healthy = true;

    public ScriptedSubstrate(
            String name,
            double costPerHour,
            Duration latency,
            BiFunction<String, Integer, Act> script,
            Duration delay,
            BilledUnits billed) {
        this(name, costPerHour, latency, script, delay, billed, 10_000);
    }

    public ScriptedSubstrate(
            String name,
            double costPerHour,
            Duration latency,
            BiFunction<String, Integer, Act> script,
            Duration delay,
            BilledUnits billed,
            int maxConcurrency) {
        this.capability =
                new SubstrateCapability(name, costPerHour, latency, 1024, 60_000, false, true, maxConcurrency, true);
        this.script = script;
        this.delay = delay;
        this.billed = billed;
    }

    public static ScriptedSubstrate always(String name, Act act) {
        return new ScriptedSubstrate(name, 0, Duration.ofMillis(1), (job, n) -> act, Duration.ZERO, BilledUnits.NONE);
    }

    public int callsFor(String jobId) {
        AtomicInteger n = calls.get(jobId);
        return n == null ? 0 : n.get();
    }

    @Override
    public SubstrateCapability capability() {
        return capability;
    }

    @Override
    public CompletionStage<ExecutionOutcome> execute(ExecutionRequest request) {
        int n = calls.computeIfAbsent(request.jobId(), k -> new AtomicInteger()).incrementAndGet();
        executions.incrementAndGet();
        Act act = script.apply(request.jobId(), n);
        ExecutionOutcome outcome = switch (act) {
            case RUN -> {
                KernelResult r = Kernel.execute(request.job().program());
                yield new ExecutionOutcome.Success(r.toJson(), r.bytesProcessed(), delay.toMillis(), billed, name());
            }
            case FAIL ->
                new ExecutionOutcome.Failure(
                        ExecutionOutcome.FailureKind.RETRYABLE, "HTTP 503 from " + name(), delay.toMillis(), billed);
            case THROTTLE ->
                new ExecutionOutcome.Failure(ExecutionOutcome.FailureKind.THROTTLED, "HTTP 429", 0, BilledUnits.NONE);
            case BAD_INPUT ->
                new ExecutionOutcome.Failure(
                        ExecutionOutcome.FailureKind.JOB_ERROR, "HTTP 400: bad", 0, BilledUnits.NONE);
            case MISCONFIGURED ->
                new ExecutionOutcome.Failure(
                        ExecutionOutcome.FailureKind.CONFIGURATION, "HTTP 401", 0, BilledUnits.NONE);
        };
        if (delay.isZero()) {
            return CompletableFuture.completedFuture(outcome);
        }
        mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
        return CompletableFuture.supplyAsync(
                () -> {
                    running.decrementAndGet();
                    return outcome;
                },
                CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS));
    }

    private String name() {
        return capability.name();
    }

    @Override
    public CompletionStage<HealthReport> health() {
        return CompletableFuture.completedFuture(healthy ? HealthReport.up() : HealthReport.down("scripted down"));
    }
}
