package dev.packetfs.infra.cost;

import dev.packetfs.infra.ContextValues;
import java.util.Optional;

/**
 * The alarms' settings, from CDK context.
 *
 * @param workerErrorsThreshold {@code packetfs:workerErrorsThreshold}, default 5: the worker's
 *                              {@code Errors} in five minutes above which its alarm fires
 * @param alarmEmail            {@code packetfs:alarmEmail}, unset by default: an address the alarms
 *                              mail (through an SNS topic) when set
 */
public record CostSettings(int workerErrorsThreshold, Optional<String> alarmEmail) {
    public static final String WORKER_ERRORS_THRESHOLD_KEY = "packetfs:workerErrorsThreshold";
    public static final String ALARM_EMAIL_KEY = "packetfs:alarmEmail";

    public static CostSettings from(ContextValues context) {
        return new CostSettings(
                context.integer(WORKER_ERRORS_THRESHOLD_KEY, 5, 0, 1_000_000), context.text(ALARM_EMAIL_KEY));
    }
}
