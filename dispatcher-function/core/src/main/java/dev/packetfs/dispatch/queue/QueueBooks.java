package dev.packetfs.dispatch.queue;

import dev.packetfs.dispatch.fanout.FanOutProgress;
import dev.packetfs.dispatch.ledger.LedgerSnapshot;
import dev.packetfs.dispatch.ledger.SeriesBucket;
import dev.packetfs.dispatch.ledger.SeriesResolution;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * The read side for dashboards and health (BullMQ's {@code QueueGetters}): what was spent where,
 * over time, what is in progress and how much waits.
 */
public interface QueueBooks {

    /** Per-substrate totals and recent execution records. */
    LedgerSnapshot ledger();

    /**
     * What each substrate did in each period from {@code fromPeriod} to {@code toPeriod}
     * (inclusive, numbered as {@link SeriesResolution#period} numbers them); periods with nothing
     * are left out.
     */
    NavigableMap<Long, Map<String, SeriesBucket>> series(SeriesResolution resolution, long fromPeriod, long toPeriod);

    /** Fan-out jobs in progress (not yet finished), the most recently planned first, at most {@code max}. */
    List<FanOutProgress> fanOuts(int max);

    QueueDepth depth();
}
