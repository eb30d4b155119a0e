package dev.packetfs.dispatch.ledger;

import dev.packetfs.dispatch.substrate.BilledUnits;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Prices what substrates report they billed, and publishes every execution as Micrometer metrics
 * ({@code packetfs_executions_total}, {@code packetfs_cost_usd_total}, {@code packetfs_bytes_total},
 * {@code packetfs_execution_seconds}, tagged by substrate). The durable per-provider totals are kept
 * by the queue, next to the results, so every dispatcher sees the same books.
 */
public final class CostLedger {
    private final PriceList prices;
    private final MeterRegistry registry;
    private final List<Consumer<ExecutionRecord>> listeners = new CopyOnWriteArrayList<>();

    public CostLedger(PriceList prices, MeterRegistry registry) {
        this.prices = prices;
        this.registry = registry;
    }

    /** Also tells {@code listener} of every execution (an exporter to a provider's metrics, such as CloudWatch's). */
    public void onPublish(Consumer<ExecutionRecord> listener) {
        listeners.add(listener);
    }

    public PriceList prices() {
        return prices;
    }

    /** The cost of {@code units} on {@code substrate}, in 10^-12 USD. */
    public long price(String substrate, BilledUnits units) {
        return prices.picoUsd(substrate, units);
    }

    public void publish(ExecutionRecord r) {
        String outcome = r.ok() ? "success" : r.failure().toLowerCase();
        Counter.builder("packetfs.executions")
                .tag("substrate", r.substrate())
                .tag("outcome", outcome)
                .register(registry)
                .increment();
        Counter.builder("packetfs.cost")
                .baseUnit("usd")
                .tag("substrate", r.substrate())
                .register(registry)
                .increment(r.costPicoUsd() / 1e12);
        Counter.builder("packetfs.bytes")
                .baseUnit("bytes")
                .tag("substrate", r.substrate())
                .register(registry)
                .increment(r.bytes());
        Timer.builder("packetfs.execution")
                .tag("substrate", r.substrate())
                .publishPercentileHistogram()
                .register(registry)
                .record(r.latencyMs(), TimeUnit.MILLISECONDS);
        for (Consumer<ExecutionRecord> listener : listeners) {
            listener.accept(r);
        }
    }
}
