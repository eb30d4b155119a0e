package dev.packetfs.dispatch.fanout;

/**
 * What bounds a fan-out job while it runs.
 *
 * @param maxOutstanding windows queued or running at once (one for a chained {@code fnv64})
 * @param maxCostPicoUsd the parent's {@code max_cost_usd} in 10^-12 USD; -1 for none
 * @param estimatePicoUsd what one window is expected to cost on the cheapest substrate allowed
 * @param chained true for {@code fnv64}: each window starts from the hash of the one before
 * @param firstFnvState the state the first window starts from (the parent's {@code fnv_state}); null for the basis
 */
public record FanOutLimits(int maxOutstanding, long maxCostPicoUsd, long estimatePicoUsd, boolean chained,
        String firstFnvState) {}
