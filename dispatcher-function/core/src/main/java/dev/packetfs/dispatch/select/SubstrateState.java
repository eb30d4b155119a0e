package dev.packetfs.dispatch.select;

import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.HealthReport;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.SubstrateCapability;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the dispatcher knows about one substrate now: its adapter, last health report, circuit
 * breaker, observed latency and failure rate, and executions in flight.
 */
public final class SubstrateState {
    private final SubstrateAdapter adapter;
    private final SubstrateCapability capability;
    private final CircuitBreaker breaker;
    private final Ewma latencyMs;
    private final Ewma failureRate;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile HealthReport health = HealthReport.up();

    SubstrateState(SubstrateAdapter adapter, ScoringPolicy policy, CircuitBreakerConfig breakerConfig) {
        this.adapter = adapter;
        this.capability = adapter.capability();
        this.breaker = CircuitBreaker.of(capability.name(), breakerConfig);
        this.latencyMs =
                new Ewma(policy.ewmaAlpha(), capability.expectedLatency().toNanos() / 1e6);
        this.failureRate = new Ewma(policy.ewmaAlpha(), 0);
    }

    /**
     * The breaker: opens at 50% failures over the last 20 calls (10 at least), and half-opens by
     * itself 10 s later to let 2 probes through. By itself: the selector offers no work to an open
     * breaker, so a breaker that waited to be asked would stay open for good.
     */
    static CircuitBreakerConfig defaultBreaker() {
        return breaker(Duration.ofSeconds(10));
    }

    static CircuitBreakerConfig breaker(Duration waitInOpenState) {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(20)
                .minimumNumberOfCalls(10)
                .failureRateThreshold(50)
                .waitDurationInOpenState(waitInOpenState)
                .permittedNumberOfCallsInHalfOpenState(2)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .build();
    }

    public String name() {
        return capability.name();
    }

    public SubstrateAdapter adapter() {
        return adapter;
    }

    public SubstrateCapability capability() {
        return capability;
    }

    public HealthReport health() {
        return adapter.currentHealth().orElse(health);
    }

    void health(HealthReport report) {
        this.health = report;
    }

    public CircuitBreaker.State breakerState() {
        return breaker.getState();
    }

    public double latencyMs() {
        return latencyMs.value();
    }

    public double failureRate() {
        return failureRate.value();
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Whether the substrate takes work at all now (healthy, breaker not open); it may still be full. */
    boolean available() {
        return health().healthy()
                && breaker.getState() != CircuitBreaker.State.OPEN
                && breaker.getState() != CircuitBreaker.State.FORCED_OPEN;
    }

    /**
     * Reserves one execution: a breaker permission and a concurrency slot. Every successful
     * acquire is followed by exactly one {@link #finish}.
     */
    boolean tryAcquire() {
        if (!health().healthy()) {
            return false;
        }
        if (inFlight.incrementAndGet() > adapter.capacity()) {
            inFlight.decrementAndGet();
            return false;
        }
        if (!breaker.tryAcquirePermission()) {
            inFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Ends an execution, feeding what happened to the breaker and the moving averages. */
    void finish(ExecutionOutcome outcome, long latencyNanos) {
        inFlight.decrementAndGet();
        if (outcome instanceof ExecutionOutcome.Failure f) {
            switch (f.kind()) {
                case THROTTLED, UNSUITABLE -> breaker.releasePermission(); // not a fault of the substrate
                case JOB_ERROR, ORIGIN, OBJECT_CHANGED -> {
                    // the substrate did its job: the input, or the data it names, was bad
                    breaker.onSuccess(latencyNanos, TimeUnit.NANOSECONDS);
                    failureRate.add(0);
                }
                case RETRYABLE, CONFIGURATION -> {
                    breaker.onError(latencyNanos, TimeUnit.NANOSECONDS, new SubstrateFailure(f.message()));
                    failureRate.add(1);
                    latencyMs.add(latencyNanos / 1e6);
                }
            }
        } else {
            breaker.onSuccess(latencyNanos, TimeUnit.NANOSECONDS);
            failureRate.add(0);
            latencyMs.add(latencyNanos / 1e6);
        }
    }

    /** Releases an acquired execution that was never started. */
    void abandon() {
        inFlight.decrementAndGet();
        breaker.releasePermission();
    }

    /** What the breaker counts as a failure. */
    static final class SubstrateFailure extends RuntimeException {
        SubstrateFailure(String message) {
            super(message, null, false, false);
        }
    }
}
