package dev.packetfs.dispatch.ledger;

import java.util.EnumMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The series in one JVM, for the in-memory queue: the same periods, fields and bounds as the Redis
 * queue's {@code packetfs:series:*} keys. Not thread-safe: its queue holds its lock around it.
 */
public final class SeriesStore {
    private final Map<SeriesResolution, TreeMap<Long, Map<String, SeriesBucket>>> periods =
            new EnumMap<>(SeriesResolution.class);

    public SeriesStore() {
        for (SeriesResolution r : SeriesResolution.values()) {
            periods.put(r, new TreeMap<>());
        }
    }

    public void record(ExecutionRecord r) {
        long second = r.at().getEpochSecond();
        periods.forEach((resolution, byPeriod) -> {
            byPeriod.computeIfAbsent(resolution.period(second), p -> new TreeMap<>())
                    .computeIfAbsent(r.substrate(), s -> new SeriesBucket())
                    .add(r);
            long oldest = resolution.period(second - resolution.kept().toSeconds());
            byPeriod.headMap(oldest, false).clear();
        });
    }

    /** Copies of the periods {@code from..to} (inclusive) that hold anything. */
    public NavigableMap<Long, Map<String, SeriesBucket>> read(SeriesResolution resolution, long from, long to) {
        NavigableMap<Long, Map<String, SeriesBucket>> out = new TreeMap<>();
        periods.get(resolution).subMap(from, true, to, true).forEach((period, buckets) -> {
            Map<String, SeriesBucket> copy = new TreeMap<>();
            buckets.forEach((substrate, b) -> {
                SeriesBucket c = new SeriesBucket();
                c.add(b);
                copy.put(substrate, c);
            });
            out.put(period, copy);
        });
        return out;
    }
}
