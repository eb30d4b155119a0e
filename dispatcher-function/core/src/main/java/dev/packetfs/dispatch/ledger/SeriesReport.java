package dev.packetfs.dispatch.ledger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.JobJson;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Collection;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The series of {@code GET /metrics?range=}: per substrate and per step of the range, jobs per
 * second (executions, as {@code jobs} counts them), success rate, p50 and p99 latency (read off
 * the steps' histograms), cost, cumulative cost (all time, up to the end of the step) and cost
 * per GB. Steps with nothing have {@code null} rates and latencies and zero counts.
 */
public final class SeriesReport {

    private SeriesReport() {}

    /** The periods a range reads: {@code [from, to]}, to be passed to {@code JobQueue.series}. */
    public record Window(long fromPeriod, long toPeriod) {}

    public static Window window(SeriesRange range, long nowEpochSecond) {
        long last = range.lastStepStart(nowEpochSecond);
        long first = last - (long) (range.steps() - 1) * range.periodsPerStep();
        return new Window(first, last + range.periodsPerStep() - 1);
    }

    /**
     * @param periods what the queue returned for {@link #window}
     * @param totals every substrate's exact totals now, for the cumulative cost
     * @param substrates the substrates to show (those with totals, and those configured)
     */
    public static ObjectNode of(
            SeriesRange range,
            long nowEpochSecond,
            NavigableMap<Long, Map<String, SeriesBucket>> periods,
            Map<String, SubstrateTotals> totals,
            Collection<String> substrates) {
        Window w = window(range, nowEpochSecond);
        int steps = range.steps();
        long step = range.stepSeconds();
        Map<String, SeriesBucket[]> bySubstrate = new TreeMap<>();
        for (String s : substrates) {
            bySubstrate.put(s, emptySteps(steps));
        }
        periods.subMap(w.fromPeriod(), true, w.toPeriod(), true).forEach((period, buckets) -> {
            int i = (int) ((period - w.fromPeriod()) / range.periodsPerStep());
            buckets.forEach((s, b) -> bySubstrate.computeIfAbsent(s, k -> emptySteps(steps))[i].add(b));
        });
        ObjectNode out = JobJson.MAPPER.createObjectNode();
        out.put("range", range.wireName());
        out.put("step_s", step);
        long firstSecond = w.fromPeriod() * range.resolution().seconds();
        out.put("from", firstSecond);
        out.put("to", firstSecond + steps * step);
        ArrayNode t = out.putArray("t");
        for (int i = 0; i < steps; i++) {
            t.add(firstSecond + i * step);
        }
        ObjectNode all = out.putObject("substrates");
        bySubstrate.forEach((name, series) -> all.set(
                name,
                substrate(
                        series,
                        step,
                        totals.getOrDefault(name, SubstrateTotals.empty(name)).costPicoUsd())));
        return out;
    }

    private static SeriesBucket[] emptySteps(int steps) {
        SeriesBucket[] out = new SeriesBucket[steps];
        for (int i = 0; i < steps; i++) {
            out[i] = new SeriesBucket();
        }
        return out;
    }

    private static ObjectNode substrate(SeriesBucket[] steps, long stepSeconds, long totalCostPico) {
        ObjectNode node = JobJson.MAPPER.createObjectNode();
        ArrayNode executions = node.putArray("executions");
        ArrayNode jobsPerS = node.putArray("jobs_per_s");
        ArrayNode success = node.putArray("success_rate");
        ArrayNode p50 = node.putArray("p50_ms");
        ArrayNode p99 = node.putArray("p99_ms");
        ArrayNode bytes = node.putArray("bytes");
        ArrayNode cost = node.putArray("cost_usd");
        ArrayNode cumulative = node.putArray("cumulative_cost_usd");
        ArrayNode perGb = node.putArray("cost_per_gb_usd");
        // All-time cost at the end of each step: today's total less what came after that step.
        long[] after = new long[steps.length];
        for (int i = steps.length - 2; i >= 0; i--) {
            after[i] = after[i + 1] + steps[i + 1].costPicoUsd;
        }
        for (int i = 0; i < steps.length; i++) {
            SeriesBucket b = steps[i];
            executions.add(b.executions);
            jobsPerS.add(Math.round(b.executions * 1000.0 / stepSeconds) / 1000.0);
            long decided = b.successes + b.failures;
            if (decided == 0) {
                success.addNull();
            } else {
                success.add(Math.round(b.successes * 10_000.0 / decided) / 10_000.0);
            }
            long q50 = LatencyHistogram.percentile(b.latency, 50);
            long q99 = LatencyHistogram.percentile(b.latency, 99);
            if (q50 < 0) {
                p50.addNull();
                p99.addNull();
            } else {
                p50.add(q50);
                p99.add(q99);
            }
            bytes.add(b.bytes);
            cost.add(JobJson.usd(b.costPicoUsd));
            cumulative.add(JobJson.usd(Math.max(0, totalCostPico - after[i])));
            if (b.bytes == 0) {
                perGb.addNull();
            } else {
                perGb.add(BigDecimal.valueOf(b.costPicoUsd)
                        .divide(
                                BigDecimal.valueOf(b.bytes).multiply(BigDecimal.valueOf(1000)),
                                new MathContext(6, RoundingMode.HALF_UP))
                        .stripTrailingZeros());
            }
        }
        return node;
    }
}
