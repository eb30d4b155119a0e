package dev.packetfs.dispatch.ledger;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.JobJson;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One substrate's line in {@code GET /metrics}: exact totals, latency percentiles over the recent
 * execution records, and what a gigabyte processed there costs.
 */
public record SubstrateReport(SubstrateTotals totals, long p50Ms, long p95Ms, long p99Ms, int sampled) {

    public static Map<String, SubstrateReport> of(LedgerSnapshot snapshot) {
        Map<String, List<Long>> latencies = new TreeMap<>();
        for (ExecutionRecord r : snapshot.recent()) {
            latencies.computeIfAbsent(r.substrate(), k -> new ArrayList<>()).add(r.latencyMs());
        }
        Map<String, SubstrateReport> out = new TreeMap<>();
        snapshot.totals().forEach((name, totals) -> {
            List<Long> sorted = new ArrayList<>(latencies.getOrDefault(name, List.of()));
            sorted.sort(null);
            out.put(
                    name,
                    new SubstrateReport(
                            totals,
                            percentile(sorted, 50),
                            percentile(sorted, 95),
                            percentile(sorted, 99),
                            sorted.size()));
        });
        return out;
    }

    /** Nearest-rank percentile; 0 when nothing was sampled. */
    static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    /** USD per 10^9 bytes processed; null when nothing was processed. */
    public BigDecimal costPerGbUsd() {
        if (totals.bytes() == 0) {
            return null;
        }
        // (pico · 10^-12 USD) / (bytes · 10^-9 GB) = pico / (1000 · bytes) USD per GB
        return BigDecimal.valueOf(totals.costPicoUsd())
                .divide(
                        BigDecimal.valueOf(totals.bytes()).multiply(BigDecimal.valueOf(1000)),
                        new MathContext(6, RoundingMode.HALF_UP))
                .stripTrailingZeros();
    }

    public ObjectNode toJson() {
        ObjectNode node = JobJson.MAPPER.createObjectNode();
        node.put("jobs", totals.executions());
        node.put("successes", totals.successes());
        node.put("failures", totals.failures());
        node.put("throttled", totals.throttled());
        node.put("p50_ms", p50Ms);
        node.put("p95_ms", p95Ms);
        node.put("p99_ms", p99Ms);
        node.put("latency_sample", sampled);
        node.put("bytes_processed", totals.bytes());
        node.put("total_cost_usd", JobJson.usd(totals.costPicoUsd()));
        BigDecimal perGb = costPerGbUsd();
        if (perGb == null) {
            node.putNull("cost_per_gb_usd");
        } else {
            node.put("cost_per_gb_usd", perGb);
        }
        return node;
    }
}
