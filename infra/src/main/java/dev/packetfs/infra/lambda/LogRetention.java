package dev.packetfs.infra.lambda;

import dev.packetfs.infra.ContextValues;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.services.logs.RetentionDays;

/** How long the functions' log groups keep their events: one of the periods CloudWatch Logs offers. */
public final class LogRetention {
    public static final String KEY = "packetfs:logRetentionDays";
    public static final int DEFAULT_DAYS = 14;

    // CloudWatch Logs takes only these periods; RetentionDays names them but carries no number in Java.
    private static final Map<Integer, String> PERIODS = new TreeMap<>(Map.ofEntries(
            Map.entry(1, "ONE_DAY"),
            Map.entry(3, "THREE_DAYS"),
            Map.entry(5, "FIVE_DAYS"),
            Map.entry(7, "ONE_WEEK"),
            Map.entry(14, "TWO_WEEKS"),
            Map.entry(30, "ONE_MONTH"),
            Map.entry(60, "TWO_MONTHS"),
            Map.entry(90, "THREE_MONTHS"),
            Map.entry(120, "FOUR_MONTHS"),
            Map.entry(150, "FIVE_MONTHS"),
            Map.entry(180, "SIX_MONTHS"),
            Map.entry(365, "ONE_YEAR"),
            Map.entry(400, "THIRTEEN_MONTHS"),
            Map.entry(545, "EIGHTEEN_MONTHS"),
            Map.entry(731, "TWO_YEARS"),
            Map.entry(1096, "THREE_YEARS"),
            Map.entry(1827, "FIVE_YEARS"),
            Map.entry(2192, "SIX_YEARS"),
            Map.entry(2557, "SEVEN_YEARS"),
            Map.entry(2922, "EIGHT_YEARS"),
            Map.entry(3288, "NINE_YEARS"),
            Map.entry(3653, "TEN_YEARS")));

    private LogRetention() {}

    /** {@code packetfs:logRetentionDays}, checked against the periods CloudWatch Logs offers. */
    public static int days(ContextValues context) {
        int days = context.integer(KEY, DEFAULT_DAYS, 1, 3653);
        if (!PERIODS.containsKey(days)) {
            throw new IllegalArgumentException("context " + KEY + " must be one of " + PERIODS.keySet()
                    + " (the periods CloudWatch Logs offers), not '" + days + "'");
        }
        return days;
    }

    public static RetentionDays of(int days) {
        String name = PERIODS.get(days);
        if (name == null) {
            throw new IllegalArgumentException("CloudWatch Logs offers no retention of " + days + " days");
        }
        return RetentionDays.valueOf(name);
    }
}
