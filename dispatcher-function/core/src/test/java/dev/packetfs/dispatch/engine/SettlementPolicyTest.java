package dev.packetfs.dispatch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.Settlement;
import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** What follows each kind of outcome, without a queue, a substrate or a clock to wait on. */
class SettlementPolicyTest {
    private static final RetryPolicy RETRY =
            new RetryPolicy(3, Duration.ofMillis(200), 2.0, 0.0, Duration.ofSeconds(30), Duration.ofSeconds(1), 5);
    private final SettlementPolicy policy = new SettlementPolicy(RETRY);
    private final List<Set<String>> asked = new ArrayList<>();
    private final Predicate<Set<String>> elsewhere = avoid -> asked.add(Set.copyOf(avoid));
    private final Predicate<Set<String>> nowhere = avoid -> !asked.add(Set.copyOf(avoid));

    private static Delivery delivery(int attempts, int throttles, Set<String> avoid, long costPico) {
        return new Delivery(
                ComputeJob.of("j1", Program.over(Op.CRC32C, 0, "123456789".getBytes(StandardCharsets.UTF_8))),
                "1-0",
                "t",
                attempts,
                throttles,
                List.of("earlier: boom"),
                avoid,
                costPico,
                "{}");
    }

    private static Delivery fresh() {
        return delivery(0, 0, Set.of(), 0);
    }

    private static ExecutionRecord record(String substrate, String failure, long costPico) {
        return new ExecutionRecord("j1", substrate, failure, 3, costPico, 9, Instant.now());
    }

    private static ExecutionOutcome failure(FailureKind kind) {
        return ExecutionOutcome.Failure.of(kind, kind + " happened");
    }

    @Test
    void aSuccessIsTheResultWithEveryAttemptsCost() {
        ExecutionOutcome ok = new ExecutionOutcome.Success(
                JsonNodeFactory.instance.objectNode().put("checksum", 1), 9, 4, BilledUnits.NONE, null);
        Settlement s = policy.afterExecution(
                delivery(1, 0, Set.of("lambda"), 100), "local", ok, record("local", null, 20), elsewhere);
        JobResult r = assertInstanceOf(Settlement.Done.class, s).result();
        assertEquals(JobResult.Status.SUCCEEDED, r.status());
        assertEquals("local", r.substrate());
        assertEquals(2, r.attempts());
        assertEquals(120, r.costPicoUsd());
        assertTrue(asked.isEmpty(), "nobody asked where else it could run");
    }

    @Test
    void aJobErrorFailsTheJobWithoutARetry() {
        Settlement s = policy.afterExecution(
                fresh(), "flyio", failure(FailureKind.JOB_ERROR), record("flyio", "JOB_ERROR", 5), elsewhere);
        JobResult r = assertInstanceOf(Settlement.Done.class, s).result();
        assertEquals(JobResult.Status.FAILED, r.status());
        assertEquals("flyio: JOB_ERROR happened", r.error());
        assertEquals(1, r.attempts());
    }

    @Test
    void aSubstrateFailureFailsOverAtOnceWhenAnotherSubstrateWouldTakeIt() {
        Settlement.Retry r = assertInstanceOf(
                Settlement.Retry.class,
                policy.afterExecution(
                        delivery(0, 0, Set.of("lambda"), 0),
                        "flyio",
                        failure(FailureKind.RETRYABLE),
                        record("flyio", "RETRYABLE", 0),
                        elsewhere));
        assertEquals(Duration.ZERO, r.delay());
        assertTrue(r.burnsAttempt());
        assertEquals(Set.of("lambda", "flyio"), r.avoid());
        assertEquals(List.of(Set.of("lambda", "flyio")), asked);
        assertEquals("flyio: RETRYABLE happened", r.error());
    }

    @Test
    void aSubstrateFailureBacksOffWhenNothingElseWouldTakeIt() {
        for (FailureKind kind : List.of(FailureKind.RETRYABLE, FailureKind.CONFIGURATION)) {
            Settlement.Retry r = assertInstanceOf(
                    Settlement.Retry.class,
                    policy.afterExecution(
                            delivery(1, 0, Set.of(), 0),
                            "local",
                            failure(kind),
                            record("local", kind.name(), 0),
                            nowhere));
            assertEquals(RETRY.backoff(2), r.delay(), kind.name());
            assertTrue(r.burnsAttempt());
        }
    }

    @Test
    void anOriginFailureBacksOffAvoidingNoSubstrateThenDeadLetters() {
        Settlement.Retry r = assertInstanceOf(
                Settlement.Retry.class,
                policy.afterExecution(
                        delivery(0, 0, Set.of(), 0),
                        "local",
                        failure(FailureKind.ORIGIN),
                        record("local", "ORIGIN", 0),
                        elsewhere));
        assertTrue(r.burnsAttempt());
        assertEquals(RETRY.backoff(1), r.delay(), "the origin is the same everywhere: no failover");
        assertEquals(Set.of(), r.avoid(), "the substrate did its part");
        assertTrue(asked.isEmpty());
        Settlement.Dead d = assertInstanceOf(
                Settlement.Dead.class,
                policy.afterExecution(
                        delivery(2, 0, Set.of(), 0),
                        "local",
                        failure(FailureKind.ORIGIN),
                        record("local", "ORIGIN", 0),
                        elsewhere));
        assertEquals(
                "failed 3 attempts; last: local: ORIGIN happened", d.result().error());
    }

    @Test
    void theLastAttemptDeadLettersWithEveryError() {
        Settlement.Dead d = assertInstanceOf(
                Settlement.Dead.class,
                policy.afterExecution(
                        delivery(2, 0, Set.of(), 7),
                        "local",
                        failure(FailureKind.RETRYABLE),
                        record("local", "RETRYABLE", 3),
                        elsewhere));
        assertEquals(List.of("earlier: boom", "local: RETRYABLE happened"), d.errors());
        assertEquals(
                "failed 3 attempts; last: local: RETRYABLE happened", d.result().error());
        assertEquals(10, d.result().costPicoUsd());
    }

    @Test
    void throttlingWaitsWithoutBurningAnAttemptUntilItHasHappenedTooOften() {
        Settlement.Retry r = assertInstanceOf(
                Settlement.Retry.class,
                policy.afterExecution(
                        delivery(1, 2, Set.of("x"), 0),
                        "lambda",
                        failure(FailureKind.THROTTLED),
                        record("lambda", "THROTTLED", 0),
                        elsewhere));
        assertFalse(r.burnsAttempt());
        assertEquals(RETRY.throttleDelay(3), r.delay());
        assertEquals(Set.of("x"), r.avoid(), "throttling is no reason to avoid a substrate");
        Settlement.Dead d = assertInstanceOf(
                Settlement.Dead.class,
                policy.afterExecution(
                        delivery(1, 5, Set.of(), 0),
                        "lambda",
                        failure(FailureKind.THROTTLED),
                        record("lambda", "THROTTLED", 0),
                        elsewhere));
        assertEquals(
                "pushed back 6 times (throttled, or no substrate free)",
                d.result().error());
    }

    @Test
    void anUnsuitableSubstrateSendsTheJobElsewhereWithoutBurningAnAttempt() {
        Settlement.Retry r = assertInstanceOf(
                Settlement.Retry.class,
                policy.afterExecution(
                        delivery(0, 0, Set.of(), 0),
                        "browser",
                        failure(FailureKind.UNSUITABLE),
                        record("browser", "UNSUITABLE", 0),
                        elsewhere));
        assertEquals(Duration.ZERO, r.delay());
        assertFalse(r.burnsAttempt());
        assertEquals(Set.of("browser"), r.avoid());
    }

    @Test
    void anUnsuitableSubstrateFailsTheJobWhenNoOtherMayRunIt() {
        JobResult r = assertInstanceOf(
                        Settlement.Done.class,
                        policy.afterExecution(
                                delivery(0, 0, Set.of(), 0),
                                "browser",
                                failure(FailureKind.UNSUITABLE),
                                record("browser", "UNSUITABLE", 0),
                                nowhere))
                .result();
        assertEquals(JobResult.Status.FAILED, r.status());
        assertEquals("browser: UNSUITABLE happened", r.error());
        assertEquals(0, r.attempts(), "nothing ran");
    }

    @Test
    void pushedBackWhenNoSubstrateIsFreeAndFailedWhenNoneFits() {
        Settlement.Retry r =
                assertInstanceOf(Settlement.Retry.class, policy.pushBack(fresh(), Duration.ofSeconds(2), null));
        assertEquals(Duration.ofSeconds(2), r.delay());
        assertNull(r.record());
        JobResult failed = assertInstanceOf(Settlement.Done.class, policy.unsatisfiable(fresh(), "pinned to gpu"))
                .result();
        assertEquals("no substrate can run this job: pinned to gpu", failed.error());
        assertNull(failed.substrate());
    }
}
