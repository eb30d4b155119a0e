package dev.packetfs.dispatch.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void everyLatencyFallsInABucketAtMostAQuarterWide() {
        int last = -1;
        for (long ms = 0; ms < 1 << 20; ms++) {
            int b = LatencyHistogram.bucket(ms);
            assertTrue(b == last || b == last + 1, "buckets are consecutive at " + ms);
            last = b;
            long upper = LatencyHistogram.upperBound(b);
            assertTrue(upper >= ms, ms + " above its bucket's bound " + upper);
            assertTrue(upper <= Math.max(ms, 7) * 1.25 + 1, ms + " reported as " + upper);
        }
        assertEquals(LatencyHistogram.BUCKETS - 1, LatencyHistogram.bucket(Long.MAX_VALUE));
    }

    @Test
    void percentilesAreNearestRankBucketBounds() {
        long[] counts = new long[LatencyHistogram.BUCKETS];
        for (long ms : new long[] {1, 2, 3, 40, 40, 40, 100, 100, 100, 5000}) {
            counts[LatencyHistogram.bucket(ms)]++;
        }
        assertEquals(LatencyHistogram.upperBound(LatencyHistogram.bucket(40)), LatencyHistogram.percentile(counts, 50));
        assertEquals(47, LatencyHistogram.upperBound(LatencyHistogram.bucket(40)), "40 ms lies in 40..47");
        assertEquals(
                LatencyHistogram.upperBound(LatencyHistogram.bucket(5000)), LatencyHistogram.percentile(counts, 99));
        assertEquals(-1, LatencyHistogram.percentile(new long[LatencyHistogram.BUCKETS], 50));
    }
}
