package dev.packetfs.dispatch.runtime;

import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.substrate.VolunteerCensus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.logger.MetricsLogger;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.Unit;

/**
 * Per-provider metrics for CloudWatch, in its Embedded Metric Format, when the dispatcher runs on
 * Lambda: executions are summed per substrate and written as one log document per substrate at
 * each flush (the Lambda log stream carries them to CloudWatch, where the cost dashboard reads
 * them). Namespace {@code PacketFS}, dimension {@code Substrate}; metrics {@code Executions},
 * {@code Failures}, {@code Throttles}, {@code Bytes}, {@code CostUsd} (sums) and {@code LatencyMs}
 * (every execution's, for percentiles); and {@code DeadLetters}, the dead-letter stream's length,
 * without a dimension, for the alarm on its growth; {@code DrainStartFailures} as they happen; and
 * with dimension {@code Shard}, {@code Volunteers} and {@code VolunteerSlots}: the volunteers the
 * coordinator holds per shard, as this dispatcher last heard.
 */
public final class EmbeddedMetrics {
    static final String NAMESPACE = "PacketFS";
    /** Latencies kept per substrate between flushes; beyond them only the sums grow. */
    static final int MAX_LATENCIES = 1000;

    private static final Logger LOG = Logger.getLogger(EmbeddedMetrics.class);

    private final Environment environment;
    private final LongSupplier deadLetters;
    private final Supplier<List<VolunteerCensus.Shard>> volunteers;
    private Map<String, Totals> pending = new TreeMap<>();

    private static final class Totals {
        long executions;
        long failures;
        long throttles;
        long bytes;
        long costPicoUsd;
        final List<Long> latencies = new ArrayList<>();
    }

    /**
     * @param environment where the documents go: the Lambda environment writes them to standard
     *     output, which Lambda sends to CloudWatch Logs
     * @param deadLetters the dead-letter stream's length now
     */
    public EmbeddedMetrics(Environment environment, LongSupplier deadLetters) {
        this(environment, deadLetters, List::of);
    }

    /** @param volunteers the volunteers per shard now; empty: this dispatcher has none */
    public EmbeddedMetrics(
            Environment environment, LongSupplier deadLetters, Supplier<List<VolunteerCensus.Shard>> volunteers) {
        this.environment = environment;
        this.deadLetters = deadLetters;
        this.volunteers = volunteers;
    }

    public synchronized void record(ExecutionRecord r) {
        Totals t = pending.computeIfAbsent(r.substrate(), s -> new Totals());
        t.executions++;
        if (r.throttled()) {
            t.throttles++;
        } else if (!r.ok()) {
            t.failures++;
        }
        t.bytes += r.bytes();
        t.costPicoUsd += r.costPicoUsd();
        if (t.latencies.size() < MAX_LATENCIES) {
            t.latencies.add(r.latencyMs());
        }
    }

    /** Writes what was recorded since the last flush, and the dead-letter gauge. */
    public void flush() {
        Map<String, Totals> out;
        synchronized (this) {
            out = pending;
            pending = new TreeMap<>();
        }
        try {
            out.forEach(this::write);
            MetricsLogger gauge = new MetricsLogger(environment);
            gauge.setNamespace(NAMESPACE);
            // One empty dimension set ("Dimensions": [[]]): a metric without dimensions. No set at
            // all would extract no metric.
            gauge.setDimensions(new DimensionSet());
            gauge.putMetric("DeadLetters", deadLetters.getAsLong(), Unit.COUNT);
            gauge.flush();
            for (VolunteerCensus.Shard shard : volunteers.get()) {
                MetricsLogger census = new MetricsLogger(environment);
                census.setNamespace(NAMESPACE);
                census.setDimensions(DimensionSet.of("Shard", shard.shard()));
                census.putMetric("Volunteers", shard.volunteers(), Unit.COUNT);
                census.putMetric("VolunteerSlots", shard.slots(), Unit.COUNT);
                census.flush();
            }
        } catch (Exception e) {
            LOG.warnf("writing CloudWatch metrics failed: %s", e.toString());
        }
    }

    /** Writes one count without a dimension at once (an event, not a sum over the interval). */
    public void count(String metric, long n) {
        try {
            MetricsLogger logger = new MetricsLogger(environment);
            logger.setNamespace(NAMESPACE);
            logger.setDimensions(new DimensionSet());
            logger.putMetric(metric, n, Unit.COUNT);
            logger.flush();
        } catch (Exception e) {
            LOG.warnf("writing CloudWatch metric %s failed: %s", metric, e.toString());
        }
    }

    private void write(String substrate, Totals t) {
        MetricsLogger logger = new MetricsLogger(environment);
        try {
            logger.setNamespace(NAMESPACE);
            logger.setDimensions(DimensionSet.of("Substrate", substrate));
            logger.putMetric("Executions", t.executions, Unit.COUNT);
            logger.putMetric("Failures", t.failures, Unit.COUNT);
            logger.putMetric("Throttles", t.throttles, Unit.COUNT);
            logger.putMetric("Bytes", t.bytes, Unit.BYTES);
            logger.putMetric("CostUsd", t.costPicoUsd / 1e12, Unit.NONE);
            for (long latency : t.latencies) {
                logger.putMetric("LatencyMs", latency, Unit.MILLISECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("metrics for " + substrate + ": " + e.getMessage(), e);
        }
        logger.flush();
    }
}
