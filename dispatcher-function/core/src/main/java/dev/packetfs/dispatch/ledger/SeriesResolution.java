package dev.packetfs.dispatch.ledger;

import java.time.Duration;

/**
 * The periods the queue keeps the series in, and for how long: ten-second periods for two hours
 * (the 15-minute and 1-hour views), one-minute periods for 25 hours (the 24-hour view).
 */
public enum SeriesResolution {
    TEN_SECONDS("10s", 10, Duration.ofHours(2)),
    MINUTE("1m", 60, Duration.ofHours(25));

    private final String key;
    private final long seconds;
    private final Duration kept;

    SeriesResolution(String key, long seconds, Duration kept) {
        this.key = key;
        this.seconds = seconds;
        this.kept = kept;
    }

    /** The part of the period's key name: {@code packetfs:series:<key>:<period>}. */
    public String key() {
        return key;
    }

    public long seconds() {
        return seconds;
    }

    public Duration kept() {
        return kept;
    }

    /** The period holding the instant {@code epochSecond}: its number since the epoch. */
    public long period(long epochSecond) {
        return Math.floorDiv(epochSecond, seconds);
    }
}
