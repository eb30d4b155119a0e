package dev.packetfs.dispatch.ledger;

/**
 * Latency buckets for the per-period series (docs/http-api.md#series): 0 to 7 ms one bucket each,
 * then four buckets per power of two, each at most a quarter of its lower bound wide. A
 * percentile read off the histogram is the upper bound of the bucket holding that rank, so it is
 * at most about 25% above the true value, and the same wherever it is computed.
 */
public final class LatencyHistogram {
    /** Buckets 0..79: 79 ends just below 2^20 ms (17 minutes); longer latencies count there. */
    public static final int BUCKETS = 80;

    private LatencyHistogram() {}

    public static int bucket(long ms) {
        if (ms < 8) {
            return (int) Math.max(0, ms);
        }
        int e = 63 - Long.numberOfLeadingZeros(ms); // 2^e <= ms < 2^(e+1), e >= 3
        int sub = (int) ((ms >>> (e - 2)) & 3);
        return Math.min(BUCKETS - 1, 8 + (e - 3) * 4 + sub);
    }

    /** The largest latency, in ms, that falls in {@code bucket}. */
    public static long upperBound(int bucket) {
        if (bucket < 8) {
            return bucket;
        }
        int e = 3 + (bucket - 8) / 4;
        int sub = (bucket - 8) % 4;
        return ((5L + sub) << (e - 2)) - 1;
    }

    /** Nearest-rank percentile {@code p} (0..100) of the counts; -1 when there are none. */
    public static long percentile(long[] counts, int p) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(p / 100.0 * total));
        long seen = 0;
        for (int b = 0; b < counts.length; b++) {
            seen += counts[b];
            if (seen >= rank) {
                return upperBound(b);
            }
        }
        return upperBound(counts.length - 1);
    }
}
