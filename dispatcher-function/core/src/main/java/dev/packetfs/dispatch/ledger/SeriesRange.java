package dev.packetfs.dispatch.ledger;

import java.util.Arrays;
import java.util.Locale;

/**
 * The dashboard's time ranges, and the periods each is drawn from: 15 minutes in 10-second steps,
 * an hour in 30-second steps (three 10-second periods each), 24 hours in 5-minute steps (five
 * one-minute periods each).
 */
public enum SeriesRange {
    MINUTES_15("15m", SeriesResolution.TEN_SECONDS, 1, 90),
    HOUR_1("1h", SeriesResolution.TEN_SECONDS, 3, 120),
    HOURS_24("24h", SeriesResolution.MINUTE, 5, 288);

    private final String wireName;
    private final SeriesResolution resolution;
    private final int periodsPerStep;
    private final int steps;

    SeriesRange(String wireName, SeriesResolution resolution, int periodsPerStep, int steps) {
        this.wireName = wireName;
        this.resolution = resolution;
        this.periodsPerStep = periodsPerStep;
        this.steps = steps;
    }

    public String wireName() {
        return wireName;
    }

    public SeriesResolution resolution() {
        return resolution;
    }

    public int periodsPerStep() {
        return periodsPerStep;
    }

    public int steps() {
        return steps;
    }

    public long stepSeconds() {
        return resolution.seconds() * periodsPerStep;
    }

    /** The range named {@code 15m}, {@code 1h} or {@code 24h}; null for any other name. */
    public static SeriesRange of(String name) {
        return Arrays.stream(values())
                .filter(r -> r.wireName.equals(name == null ? "" : name.toLowerCase(Locale.ROOT)))
                .findFirst()
                .orElse(null);
    }

    /** The first period of the step holding {@code epochSecond}: steps are aligned to the epoch. */
    public long lastStepStart(long epochSecond) {
        long period = resolution.period(epochSecond);
        return period - Math.floorMod(period, periodsPerStep);
    }
}
