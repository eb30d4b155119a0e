package dev.packetfs.dispatch.select;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.ledger.PriceList;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.HealthReport;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.SubstrateCapability;
import dev.packetfs.dispatch.substrate.VolunteerCensus;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Picks where a job runs: filters substrates by the job's hard constraints, drops those that
 * cannot take work now, and ranks the rest by {@link ScoringPolicy}. Substrates that already
 * failed this job go last, so a retry fails over to the next best.
 */
public final class SubstrateSelector {
    private static final BigDecimal PICO = BigDecimal.TEN.pow(12);

    private final Map<String, SubstrateState> states = new LinkedHashMap<>();
    private final ScoringPolicy policy;
    private final PriceList prices;

    public SubstrateSelector(List<SubstrateAdapter> adapters, ScoringPolicy policy, PriceList prices) {
        this(adapters, policy, prices, SubstrateState.defaultBreaker());
    }

    SubstrateSelector(
            List<SubstrateAdapter> adapters, ScoringPolicy policy, PriceList prices, CircuitBreakerConfig breaker) {
        this.policy = policy;
        this.prices = prices;
        for (SubstrateAdapter adapter : adapters) {
            SubstrateState state = new SubstrateState(adapter, policy, breaker);
            if (states.putIfAbsent(state.name(), state) != null) {
                throw new IllegalArgumentException("two substrates named " + state.name());
            }
        }
    }

    public Set<String> names() {
        return states.keySet();
    }

    public List<SubstrateState> states() {
        return List.copyOf(states.values());
    }

    public Optional<SubstrateState> state(String name) {
        return Optional.ofNullable(states.get(name));
    }

    /** The substrate whose workers are volunteers (the {@code browser} substrate), if this selector has one. */
    public Optional<SubstrateState> volunteers() {
        return states.values().stream()
                .filter(s -> s.adapter() instanceof VolunteerCensus)
                .findFirst();
    }

    public double score(SubstrateState s) {
        return policy.score(s.capability().costPerHourUsd(), s.latencyMs(), s.failureRate());
    }

    public Selection select(ComputeJob job, Set<String> avoid) {
        List<SubstrateState> fit = new ArrayList<>();
        String lastReason = "no substrates are configured";
        for (SubstrateState s : states.values()) {
            String unfit = unfit(job, s.capability());
            if (unfit == null) {
                fit.add(s);
            } else {
                lastReason = unfit;
            }
        }
        if (fit.isEmpty()) {
            return Selection.unsatisfiable(
                    states.size() == 1 || job.pinned()
                            ? lastReason
                            : "no substrate meets the job's constraints (last: " + lastReason + ")");
        }
        List<SubstrateState> ready =
                fit.stream().filter(SubstrateState::available).toList();
        if (ready.isEmpty()) {
            return Selection.unavailable("every substrate that fits is down or failing: "
                    + fit.stream().map(SubstrateState::name).toList());
        }
        Comparator<SubstrateState> order = Comparator.comparing((SubstrateState s) -> avoid.contains(s.name()))
                .thenComparingDouble(this::score);
        return Selection.of(ready.stream().sorted(order).toList());
    }

    /** Why the job cannot run on this substrate, or null when it can. */
    private String unfit(ComputeJob job, SubstrateCapability c) {
        if (job.pinned() && !job.substrate().equals(c.name())) {
            return states.containsKey(job.substrate())
                    ? "pinned to " + job.substrate()
                    : "substrate '" + job.substrate() + "' is not configured here; configured: " + states.keySet();
        }
        if (!job.substrates().isEmpty() && !job.substrates().contains(c.name())) {
            return c.name() + " is not among the job's substrates " + job.substrates();
        }
        if (job.requiredMemoryMb() != null && job.requiredMemoryMb() > c.maxMemoryMb()) {
            return c.name() + " offers " + c.maxMemoryMb() + " MB, the job needs " + job.requiredMemoryMb();
        }
        if (job.maxDurationMs() != null && job.maxDurationMs() > c.maxDurationMs()) {
            return c.name() + " runs at most " + c.maxDurationMs() + " ms, the job may take " + job.maxDurationMs();
        }
        if (job.requiresGpu() && !c.gpu()) {
            return c.name() + " has no GPU";
        }
        if (job.requiresState() && !c.state()) {
            return c.name() + " keeps no state";
        }
        if (!c.trusted() && !job.isPublic()) {
            return c.name() + " is untrusted and the job is not public";
        }
        if (job.maxCostUsd() != null) {
            long estimate =
                    prices.picoUsd(c.name(), states.get(c.name()).adapter().estimate(job));
            if (BigDecimal.valueOf(estimate).compareTo(job.maxCostUsd().multiply(PICO)) > 0) {
                return c.name() + " would cost about "
                        + BigDecimal.valueOf(estimate, 12).stripTrailingZeros().toPlainString()
                        + " USD, over max_cost_usd " + job.maxCostUsd().toPlainString();
            }
        }
        return null;
    }

    /**
     * What the job is expected to cost, in 10^-12 USD, on the cheapest substrate it may run on
     * (up or not); empty when none may run it.
     */
    public OptionalLong cheapestEstimate(ComputeJob job) {
        long best = Long.MAX_VALUE;
        for (SubstrateState s : states.values()) {
            if (unfit(job, s.capability()) == null) {
                best = Math.min(best, prices.picoUsd(s.name(), s.adapter().estimate(job)));
            }
        }
        return best == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(best);
    }

    /** Execution slots free now on substrates that take work (healthy, breaker not open). */
    public int freeCapacity() {
        int free = 0;
        for (SubstrateState s : states.values()) {
            if (s.available()) {
                free += Math.max(0, s.adapter().capacity() - s.inFlight());
            }
        }
        return free;
    }

    /** The first ranked substrate that grants an execution slot, reserved; empty if none does. */
    public Optional<SubstrateState> acquire(Selection selection) {
        for (SubstrateState s : selection.ranked()) {
            if (s.tryAcquire()) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    public void finish(SubstrateState s, ExecutionOutcome outcome, long latencyNanos) {
        s.finish(outcome, latencyNanos);
    }

    public void abandon(SubstrateState s) {
        s.abandon();
    }

    /** Probes every substrate at once; a probe that does not answer in time counts as down. */
    public CompletableFuture<Void> checkHealth(Duration timeout) {
        List<CompletableFuture<Void>> probes = new ArrayList<>();
        for (SubstrateState s : states.values()) {
            CompletableFuture<HealthReport> probe;
            try {
                probe = s.adapter().health().toCompletableFuture();
            } catch (RuntimeException e) {
                probe = CompletableFuture.failedFuture(e);
            }
            probes.add(probe.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .exceptionally(e -> HealthReport.down("health check failed: " + e))
                    .thenAccept(s::health));
        }
        return CompletableFuture.allOf(probes.toArray(CompletableFuture[]::new));
    }
}
