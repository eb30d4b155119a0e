package dev.packetfs.dispatch.engine;

import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;

/**
 * When a failed job runs again. Failures burn attempts and back off exponentially with jitter, so
 * many jobs failing together do not come back together; throttling burns none and backs off on
 * its own scale.
 *
 * @param maxAttempts executions a job gets before it is dead-lettered
 * @param jitter randomization factor: each delay is drawn from ±jitter around the exponential value
 * @param maxThrottles pushes-back a job survives before it is treated as failed (a provider that
 *     throttles forever must not keep a job forever)
 */
public record RetryPolicy(
        int maxAttempts,
        Duration initialBackoff,
        double multiplier,
        double jitter,
        Duration maxBackoff,
        Duration throttleBackoff,
        int maxThrottles) {

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    public static RetryPolicy defaults() {
        return new RetryPolicy(3, Duration.ofMillis(200), 2.0, 0.5, Duration.ofSeconds(30), Duration.ofSeconds(1), 100);
    }

    /** The delay before attempt {@code burned + 1}, after {@code burned} failed attempts (≥ 1). */
    public Duration backoff(int burned) {
        return Duration.ofMillis(
                IntervalFunction.ofExponentialRandomBackoff(initialBackoff, multiplier, jitter, maxBackoff)
                        .apply(Math.max(1, burned)));
    }

    /** The delay after the {@code throttles}-th push-back (≥ 1). */
    public Duration throttleDelay(int throttles) {
        return Duration.ofMillis(IntervalFunction.ofExponentialRandomBackoff(throttleBackoff, 1.5, jitter, maxBackoff)
                .apply(Math.max(1, throttles)));
    }
}
