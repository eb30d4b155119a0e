package dev.packetfs.dispatch.ledger;

import dev.packetfs.dispatch.substrate.BilledUnits;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * Prices per substrate and billed unit, in USD per unit: each substrate module's list prices, and
 * configuration over them ({@code packetfs.prices."lambda".gb_seconds=0.0000166667}). A unit
 * without a price costs nothing, which is right for {@code local} and {@code browser}.
 */
public record PriceList(Map<String, Map<String, BigDecimal>> usdPerUnit) {
    private static final BigDecimal PICO = BigDecimal.TEN.pow(12);

    public PriceList {
        usdPerUnit = Map.copyOf(usdPerUnit);
    }

    /** What {@code units} cost on {@code substrate}, in 10^-12 USD, rounded half-up once. */
    public long picoUsd(String substrate, BilledUnits units) {
        Map<String, BigDecimal> prices = usdPerUnit.getOrDefault(substrate, Map.of());
        BigDecimal usd = BigDecimal.ZERO;
        for (Map.Entry<String, Double> unit : units.quantities().entrySet()) {
            BigDecimal price = prices.get(unit.getKey());
            if (price != null) {
                usd = usd.add(price.multiply(BigDecimal.valueOf(unit.getValue())));
            }
        }
        return usd.multiply(PICO).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }
}
