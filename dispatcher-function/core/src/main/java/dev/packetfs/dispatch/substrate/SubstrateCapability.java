package dev.packetfs.dispatch.substrate;

import java.time.Duration;

/**
 * What a substrate offers, for hard constraints and for scoring.
 *
 * @param name the substrate's name in jobs and metrics ({@code lambda}, {@code flyio}, ...)
 * @param costPerHourUsd the price of one instance busy for an hour, the cost term of the score
 * @param expectedLatency the latency assumed before any is observed
 * @param maxConcurrency executions at once before the substrate counts as saturated
 * @param trusted false for volunteers: only {@code public} jobs may run there, and their results
 *     need verification
 */
public record SubstrateCapability(
        String name,
        double costPerHourUsd,
        Duration expectedLatency,
        int maxMemoryMb,
        long maxDurationMs,
        boolean gpu,
        boolean state,
        int maxConcurrency,
        boolean trusted) {}
