package dev.packetfs.dispatch.ledger;

/**
 * What one substrate did in one period of the series: counts, bytes, cost and a latency
 * histogram, added up from execution records (or read back from the queue's per-period keys).
 * Not thread-safe: the queues fill it under their own lock, or build it from one read.
 */
public final class SeriesBucket {
    public long executions;
    public long successes;
    public long failures;
    public long throttled;
    public long bytes;
    public long costPicoUsd;
    public long latencyMsSum;
    public final long[] latency = new long[LatencyHistogram.BUCKETS];

    public void add(ExecutionRecord r) {
        executions++;
        if (r.ok()) {
            successes++;
        } else if (r.throttled()) {
            throttled++;
        } else {
            failures++;
        }
        bytes += r.bytes();
        costPicoUsd += r.costPicoUsd();
        latencyMsSum += r.latencyMs();
        latency[LatencyHistogram.bucket(r.latencyMs())]++;
    }

    public void add(SeriesBucket other) {
        executions += other.executions;
        successes += other.successes;
        failures += other.failures;
        throttled += other.throttled;
        bytes += other.bytes;
        costPicoUsd += other.costPicoUsd;
        latencyMsSum += other.latencyMsSum;
        for (int i = 0; i < latency.length; i++) {
            latency[i] += other.latency[i];
        }
    }

    /**
     * Sets one field as the queue's per-period hash names it ({@code e s f t b c l}, and
     * {@code h<bucket>} for the histogram); unknown fields are ignored.
     */
    public void set(String field, long value) {
        switch (field) {
            case "e" -> executions = value;
            case "s" -> successes = value;
            case "f" -> failures = value;
            case "t" -> throttled = value;
            case "b" -> bytes = value;
            case "c" -> costPicoUsd = value;
            case "l" -> latencyMsSum = value;
            default -> {
                if (field.startsWith("h")) {
                    try {
                        int b = Integer.parseInt(field.substring(1));
                        if (b >= 0 && b < latency.length) {
                            latency[b] = value;
                        }
                    } catch (NumberFormatException ignored) {
                        // not ours
                    }
                }
            }
        }
    }
}
