package dev.packetfs.dispatch.select;

/**
 * How substrates are ranked: lower scores win.
 *
 * <pre>score = costWeight · cost_per_hour · 100 + latencyWeight · latency_ms + failureWeight · failure_rate</pre>
 *
 * where latency and failure rate are exponentially weighted moving averages of what the
 * dispatcher observed (the substrate's declared latency until it has been seen), so a substrate
 * that turns slow or starts failing loses traffic on its own. The defaults (1, 1, 1000) are the
 * classic {@code cost_per_hour*100 + latency_ms} with a failing substrate pushed back by up to a
 * second's worth of latency.
 *
 * @param ewmaAlpha weight of each new observation in the moving averages (0..1]
 */
public record ScoringPolicy(double costWeight, double latencyWeight, double failureWeight, double ewmaAlpha) {

    public static ScoringPolicy defaults() {
        return new ScoringPolicy(1, 1, 1000, 0.2);
    }

    public double score(double costPerHourUsd, double latencyMs, double failureRate) {
        return costWeight * costPerHourUsd * 100 + latencyWeight * latencyMs + failureWeight * failureRate;
    }
}
