package dev.packetfs.dispatch.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.ledger.PriceList;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.dispatch.testing.ScriptedSubstrate;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The breaker as the selector drives it: the selector never offers work to an open breaker, so
 * the breaker must half-open by itself after its wait, and a failure that is not the substrate's
 * (the job's origin) must never open it.
 */
class SubstrateBreakerTest {
    private static final ComputeJob JOB =
            ComputeJob.of("j", Program.over(Op.CRC32C, 0, "123456789".getBytes(StandardCharsets.UTF_8)));

    private static SubstrateSelector selector(Duration wait) {
        return new SubstrateSelector(
                List.of(ScriptedSubstrate.always("local", ScriptedSubstrate.Act.RUN)),
                ScoringPolicy.defaults(),
                new PriceList(Map.of()),
                SubstrateState.breaker(wait));
    }

    private static void run(SubstrateSelector selector, FailureKind failure) {
        Optional<SubstrateState> s = selector.acquire(selector.select(JOB, Set.of()));
        assertTrue(s.isPresent(), "a slot and a permission");
        selector.finish(
                s.get(),
                failure == null
                        ? new ExecutionOutcome.Success(null, 9, 1, null, null)
                        : ExecutionOutcome.Failure.of(failure, "boom"),
                TimeUnit.MILLISECONDS.toNanos(2));
    }

    @Test
    void anOpenBreakerHalfOpensByItselfAndClosesOnGoodProbes() {
        SubstrateSelector selector = selector(Duration.ofMillis(300));
        SubstrateState local = selector.state("local").orElseThrow();
        for (int i = 0; i < 10; i++) {
            run(selector, FailureKind.RETRYABLE);
        }
        assertEquals(CircuitBreaker.State.OPEN, local.breakerState());
        assertNotNull(selector.select(JOB, Set.of()).unavailable(), "no work for an open breaker");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (local.breakerState() == CircuitBreaker.State.OPEN && System.nanoTime() < until) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        assertEquals(CircuitBreaker.State.HALF_OPEN, local.breakerState(), "half-open with nobody asking");
        run(selector, null);
        run(selector, null);
        assertEquals(CircuitBreaker.State.CLOSED, local.breakerState());
    }

    @Test
    void failuresOfTheJobOrItsOriginNeverOpenTheBreaker() {
        SubstrateSelector selector = selector(Duration.ofSeconds(10));
        for (int i = 0; i < 40; i++) {
            run(selector, i % 2 == 0 ? FailureKind.ORIGIN : FailureKind.JOB_ERROR);
            run(selector, FailureKind.THROTTLED);
            run(selector, FailureKind.UNSUITABLE);
        }
        SubstrateState local = selector.state("local").orElseThrow();
        assertEquals(CircuitBreaker.State.CLOSED, local.breakerState());
        assertEquals(0.0, local.failureRate(), 1e-9);
    }
}
