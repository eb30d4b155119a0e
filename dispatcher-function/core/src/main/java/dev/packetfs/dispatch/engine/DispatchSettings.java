package dev.packetfs.dispatch.engine;

import java.time.Duration;

/**
 * @param maxInFlight deliveries held at once (taken and not yet settled); bounds memory whatever
 *     the backlog
 * @param maxInFlightBytes bytes of job JSON held at once, likewise: a job with inline data holds
 *     about five times its size in the heap while it runs
 * @param takeBatch most deliveries taken in one read
 * @param takeWait how long one blocking read waits, which bounds how fast the loop notices a stop
 * @param defaultTimeout execution time allowed to a job without {@code max_duration_ms}
 * @param unavailableDelay how long a job waits when every substrate that fits is down or full
 * @param heartbeat how often long-running deliveries are extended (well under the visibility timeout)
 * @param healthInterval how often every substrate is probed
 */
public record DispatchSettings(
        int maxInFlight,
        long maxInFlightBytes,
        int takeBatch,
        Duration takeWait,
        Duration defaultTimeout,
        Duration unavailableDelay,
        Duration heartbeat,
        Duration healthInterval,
        RetryPolicy retry) {

    public static DispatchSettings defaults() {
        return new DispatchSettings(
                4096,
                16L << 20,
                512,
                Duration.ofSeconds(2),
                Duration.ofSeconds(30),
                Duration.ofSeconds(2),
                Duration.ofSeconds(10),
                Duration.ofSeconds(10),
                RetryPolicy.defaults());
    }

    public DispatchSettings withRetry(RetryPolicy policy) {
        return new DispatchSettings(
                maxInFlight,
                maxInFlightBytes,
                takeBatch,
                takeWait,
                defaultTimeout,
                unavailableDelay,
                heartbeat,
                healthInterval,
                policy);
    }

    public DispatchSettings withHeartbeat(Duration interval) {
        return new DispatchSettings(
                maxInFlight,
                maxInFlightBytes,
                takeBatch,
                takeWait,
                defaultTimeout,
                unavailableDelay,
                interval,
                healthInterval,
                retry);
    }

    public DispatchSettings withTakeWait(Duration wait) {
        return new DispatchSettings(
                maxInFlight,
                maxInFlightBytes,
                takeBatch,
                wait,
                defaultTimeout,
                unavailableDelay,
                heartbeat,
                healthInterval,
                retry);
    }

    public DispatchSettings withUnavailableDelay(Duration delay) {
        return new DispatchSettings(
                maxInFlight,
                maxInFlightBytes,
                takeBatch,
                takeWait,
                defaultTimeout,
                delay,
                heartbeat,
                healthInterval,
                retry);
    }

    public DispatchSettings withMaxInFlight(int max) {
        return new DispatchSettings(
                max,
                maxInFlightBytes,
                Math.min(takeBatch, max),
                takeWait,
                defaultTimeout,
                unavailableDelay,
                heartbeat,
                healthInterval,
                retry);
    }
}
