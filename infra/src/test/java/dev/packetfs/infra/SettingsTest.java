package dev.packetfs.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.infra.dispatcher.DispatcherSettings;
import dev.packetfs.infra.dispatcher.DispatcherSettings.UrlAuth;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Reading {@code packetfs:*} context: defaults, the forms values arrive in, and refusals. */
class SettingsTest {
    static Settings settings(Map<String, Object> context) {
        return Settings.from(new ContextValues(context::get));
    }

    @Test
    void defaults() {
        Settings s = settings(Map.of());
        assertEquals(1024, s.worker().memoryMb());
        assertEquals(OptionalInt.of(32), s.worker().reservedConcurrency());
        assertEquals(14, s.worker().logRetentionDays());
        DispatcherSettings d = s.dispatcher();
        assertEquals(UrlAuth.AWS_IAM, d.urlAuth());
        assertEquals(1, d.drainRateMinutes());
        assertEquals(900, d.drainTimeoutSeconds());
        assertEquals(Optional.empty(), d.redisUrlSecretArn());
        assertEquals(false, d.elastiCache());
        assertEquals(1, d.natGateways());
        assertEquals(14, d.logRetentionDays());
        assertEquals(5, s.cost().workerErrorsThreshold());
        assertEquals(Optional.empty(), s.cost().alarmEmail());
        assertEquals(Optional.empty(), s.account());
        assertEquals(Optional.empty(), s.region());
    }

    @Test
    void valuesFromTheCommandLineAreStringsAndFromJsonNumbersOrBooleans() {
        Settings cli = settings(Map.of(
                "packetfs:workerMemoryMb",
                "2048",
                "packetfs:elasticache",
                "TRUE",
                "packetfs:dispatcherUrlAuth",
                "none",
                "packetfs:logRetentionDays",
                "30"));
        Settings json = settings(Map.of(
                "packetfs:workerMemoryMb",
                2048.0,
                "packetfs:elasticache",
                true,
                "packetfs:dispatcherUrlAuth",
                "NONE",
                "packetfs:logRetentionDays",
                30));
        for (Settings s : new Settings[] {cli, json}) {
            assertEquals(2048, s.worker().memoryMb());
            assertTrue(s.dispatcher().elastiCache());
            assertEquals(UrlAuth.NONE, s.dispatcher().urlAuth());
            assertEquals(30, s.dispatcher().logRetentionDays());
        }
    }

    @Test
    void reservedConcurrencyNoneReservesNothing() {
        assertEquals(
                OptionalInt.empty(),
                settings(Map.of("packetfs:workerReservedConcurrency", "none"))
                        .worker()
                        .reservedConcurrency());
        assertEquals(
                OptionalInt.of(8),
                settings(Map.of("packetfs:workerReservedConcurrency", 8))
                        .worker()
                        .reservedConcurrency());
    }

    @Test
    void unusableValuesAreRefusedNamingTheKey() {
        assertRefused(
                Map.of("packetfs:workerMemoryMb", "lots"), "packetfs:workerMemoryMb", "an integer from 128 to 10240");
        assertRefused(Map.of("packetfs:workerMemoryMb", 64), "packetfs:workerMemoryMb", "not '64'");
        assertRefused(Map.of("packetfs:workerReservedConcurrency", 0), "packetfs:workerReservedConcurrency", "from 1");
        assertRefused(Map.of("packetfs:dispatcherUrlAuth", "PUBLIC"), "packetfs:dispatcherUrlAuth", "AWS_IAM or NONE");
        assertRefused(Map.of("packetfs:elasticache", "yes"), "packetfs:elasticache", "true or false");
        assertRefused(Map.of("packetfs:logRetentionDays", 10), "packetfs:logRetentionDays", "14");
        assertRefused(Map.of("packetfs:drainTimeoutSeconds", 1000), "packetfs:drainTimeoutSeconds", "30 to 900");
        assertRefused(Map.of("packetfs:redisUrlSecretArn", "my-secret"), "packetfs:redisUrlSecretArn", "complete ARN");
        assertRefused(
                Map.of(
                        "packetfs:elasticache",
                        "true",
                        "packetfs:redisUrlSecretArn",
                        "arn:aws:secretsmanager:us-east-1:111122223333:secret:r-AbCdEf"),
                "packetfs:redisUrlSecretArn",
                "packetfs:elasticache");
    }

    static void assertRefused(Map<String, Object> context, String... inMessage) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> settings(context));
        for (String part : inMessage) {
            assertTrue(e.getMessage().contains(part), () -> "'" + part + "' not in: " + e.getMessage());
        }
    }
}
