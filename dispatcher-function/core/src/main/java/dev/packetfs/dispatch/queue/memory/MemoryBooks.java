package dev.packetfs.dispatch.queue.memory;

import dev.packetfs.dispatch.fanout.FanOutProgress;
import dev.packetfs.dispatch.ledger.LedgerSnapshot;
import dev.packetfs.dispatch.ledger.SeriesBucket;
import dev.packetfs.dispatch.ledger.SeriesResolution;
import dev.packetfs.dispatch.queue.QueueBooks;
import dev.packetfs.dispatch.queue.QueueDepth;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/** The in-memory queue's books, as settling keeps them. */
final class MemoryBooks implements QueueBooks {
    private final MemoryStore store;

    MemoryBooks(MemoryStore store) {
        this.store = store;
    }

    @Override
    public LedgerSnapshot ledger() {
        return store.locked(() -> new LedgerSnapshot(Map.copyOf(store.totals), List.copyOf(store.records)));
    }

    @Override
    public NavigableMap<Long, Map<String, SeriesBucket>> series(
            SeriesResolution resolution, long fromPeriod, long toPeriod) {
        return store.locked(() -> store.series.read(resolution, fromPeriod, toPeriod));
    }

    @Override
    public List<FanOutProgress> fanOuts(int max) {
        return store.locked(() -> store.fanOuts.running(max));
    }

    @Override
    public QueueDepth depth() {
        return store.locked(() ->
                new QueueDepth(0, store.ready.size(), store.pending.size(), store.delayed.size(), store.dead.size()));
    }
}
