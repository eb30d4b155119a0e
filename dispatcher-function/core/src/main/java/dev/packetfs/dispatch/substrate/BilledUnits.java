package dev.packetfs.dispatch.substrate;

import java.util.Map;
import java.util.TreeMap;

/**
 * Quantities a provider bills, by unit name: {@code requests}, {@code gb_seconds} (Lambda),
 * {@code cpu_ms} (Cloudflare), {@code machine_seconds} (Fly.io). Prices live in the cost ledger's
 * configuration, so a price change is not a code change.
 */
public record BilledUnits(Map<String, Double> quantities) {
    public static final BilledUnits NONE = new BilledUnits(Map.of());

    public BilledUnits {
        quantities = Map.copyOf(quantities);
    }

    public static BilledUnits of(String unit, double quantity) {
        return new BilledUnits(Map.of(unit, quantity));
    }

    public static BilledUnits of(String unit1, double q1, String unit2, double q2) {
        return new BilledUnits(Map.of(unit1, q1, unit2, q2));
    }

    public BilledUnits plus(BilledUnits other) {
        Map<String, Double> sum = new TreeMap<>(quantities);
        other.quantities.forEach((unit, q) -> sum.merge(unit, q, Double::sum));
        return new BilledUnits(sum);
    }
}
