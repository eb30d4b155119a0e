package dev.packetfs.dispatch.fanout;

/**
 * What bounds a fan-out job while it runs.
 *
 * @param maxOutstanding windows queued or running at once (one for a chained {@code fnv64})
 * @param maxCostPicoUsd the parent's {@code max_cost_usd} in 10^-12 USD; -1 for none
 * @param estimatePicoUsd what one window is expected to cost on the cheapest substrate allowed
 * @param chained true for {@code fnv64}: each window starts from the hash of the one before
 * @param firstFnvState the state the first window starts from (the parent's {@code fnv_state}); null for the basis
 * @param maxRestarts times the parent may be planned again when its object changes while it runs
 *     ({@code "on_change": "restart"}); 0: it fails instead
 */
public record FanOutLimits(
        int maxOutstanding,
        long maxCostPicoUsd,
        long estimatePicoUsd,
        boolean chained,
        String firstFnvState,
        int maxRestarts) {

    /** Limits of a parent that fails when its object changes. */
    public FanOutLimits(
            int maxOutstanding, long maxCostPicoUsd, long estimatePicoUsd, boolean chained, String firstFnvState) {
        this(maxOutstanding, maxCostPicoUsd, estimatePicoUsd, chained, firstFnvState, 0);
    }
}
