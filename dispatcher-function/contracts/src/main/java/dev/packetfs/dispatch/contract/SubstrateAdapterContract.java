package dev.packetfs.dispatch.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.dispatch.substrate.ExecutionRequest;
import dev.packetfs.dispatch.substrate.HealthReport;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramJson;
import dev.packetfs.testing.GoldenVectors;
import dev.packetfs.testing.RangeOrigin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The one contract every substrate adapter keeps, run against each adapter wired to its real
 * local runtime (a worker JVM, the Lambda artifact under the runtime interface client, workerd,
 * the dispatcher's own fetcher). Subclasses say how to reach the runtime; the cases are the same
 * for all, and a case skips, saying why, only where a substrate has no such thing (credentials,
 * an endpoint, a runtime that pushes back).
 */
public abstract class SubstrateAdapterContract {
    protected static RangeOrigin origin;

    @BeforeAll
    static void startOrigin() throws Exception {
        origin = new RangeOrigin();
        origin.put("digits", "123456789".getBytes(StandardCharsets.US_ASCII));
    }

    @AfterAll
    static void stopOrigin() {
        origin.close();
    }

    /** The adapter under test, wired to its running runtime with the right credentials. */
    protected abstract SubstrateAdapter adapter();

    /** The same adapter with a wrong token or key; null for a substrate that has none (local). */
    protected abstract SubstrateAdapter adapterWithWrongCredentials();

    /** The same adapter pointed at an endpoint where nothing listens; null for one without an endpoint. */
    protected abstract SubstrateAdapter unreachableAdapter();

    /** Executions the runtime takes at once before it pushes back. */
    protected abstract int capacity();

    /**
     * Whether the runtime itself pushes back when it is full; false where only the selector's cap
     * ({@code max-concurrency}) bounds it (the dispatcher's own JVM).
     */
    protected boolean pushesBack() {
        return true;
    }

    /**
     * What an origin that fails or is too slow is: {@code ORIGIN}, the origin's fault, not held
     * against the substrate. Where the runtime's word cannot be taken for it (a volunteer could
     * blame any origin), the substrate's documented answer instead.
     */
    protected FailureKind originFailure() {
        return FailureKind.ORIGIN;
    }

    /**
     * What a {@code data_url} the address rules refuse is: {@code JOB_ERROR}, the job's for good;
     * {@code UNSUITABLE} where only this substrate may not go there (volunteers) and others may.
     */
    protected FailureKind refusedAddressFailure() {
        return FailureKind.JOB_ERROR;
    }

    /** What an execution on {@link #unreachableAdapter()} is: {@code RETRYABLE}; {@code THROTTLED} where nothing to reach means wait. */
    protected FailureKind unreachableFailure() {
        return FailureKind.RETRYABLE;
    }

    /** The billing units a successful execution reports. */
    protected abstract Set<String> billedUnits();

    protected static ComputeJob job(String id, String programJson) {
        try {
            return ComputeJob.of(id, ProgramJson.parse(JobJson.MAPPER.readTree(programJson)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected static ExecutionOutcome run(SubstrateAdapter adapter, ComputeJob job, Duration timeout) throws Exception {
        return adapter.execute(new ExecutionRequest(job, timeout))
                .toCompletableFuture()
                .get(timeout.toMillis() + 15_000, TimeUnit.MILLISECONDS);
    }

    @Test
    void passesTheKernelVectors() throws Exception {
        Map<String, String> urls = new HashMap<>();
        List<CompletableFuture<Void>> inFlight = new ArrayList<>();
        AtomicInteger passed = new AtomicInteger();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        int n = 0;
        for (GoldenVectors.Case c : GoldenVectors.cases()) {
            ObjectNode program = ((ObjectNode) c.program()).deepCopy();
            if (c.object() != null) {
                String url = urls.computeIfAbsent(c.object().toString(), key -> {
                    String name = "v" + urls.size();
                    origin.put(name, GoldenVectors.objectBytes(c.object()));
                    return origin.url("/ranged/" + name);
                });
                program.put("data_url", url);
            }
            ComputeJob job = job("vec-" + n++, program.toString());
            inFlight.add(adapter()
                    .execute(new ExecutionRequest(job, Duration.ofSeconds(30)))
                    .toCompletableFuture()
                    .thenAccept(outcome -> {
                        if (outcome instanceof ExecutionOutcome.Success s
                                && GoldenVectors.sameJson(c.expected(), s.result())
                                && s.bytesProcessed()
                                        == c.expected().get("bytes_processed").longValue()) {
                            passed.incrementAndGet();
                        } else {
                            failures.add(c.name() + " → " + outcome);
                        }
                    }));
            if (inFlight.size() >= capacity()) {
                CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
                        .get(60, TimeUnit.SECONDS);
                inFlight.clear();
            }
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        assertTrue(
                failures.isEmpty(),
                failures.size() + " vectors failed, e.g. " + failures.subList(0, Math.min(3, failures.size())));
        assertEquals(GoldenVectors.cases().size(), passed.get());
    }

    @Test
    void successCarriesLocationAndBilledUnits() throws Exception {
        ExecutionOutcome outcome = run(
                adapter(),
                job("bill", "{\"op\":\"crc32c\",\"data_url\":\"" + origin.url("/ranged/digits") + "\"}"),
                Duration.ofSeconds(10));
        ExecutionOutcome.Success success = assertInstanceOf(ExecutionOutcome.Success.class, outcome);
        assertEquals(3808858755L, success.result().get("checksum").longValue());
        assertEquals(billedUnits(), success.billed().quantities().keySet());
        assertTrue(
                success.billed().quantities().values().stream().allMatch(q -> q > 0),
                success.billed().toString());
        assertTrue(success.location() != null && !success.location().isBlank());
    }

    /** The origin's failures are the job's, never the substrate's: ORIGIN, not held against the substrate. */
    @Test
    void aSlowOriginTimesOutAsTheOriginsFault() throws Exception {
        long start = System.nanoTime();
        ExecutionOutcome outcome = run(
                adapter(),
                job("slow", "{\"op\":\"xor\",\"data_url\":\"" + origin.url("/delay/4000/ranged/digits") + "\"}"),
                Duration.ofMillis(700));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertFailure(outcome, originFailure());
        assertTrue(tookMs < 3_500, "took " + tookMs + " ms to give up");
    }

    @Test
    void anOriginThatAnswers5xxOr404IsTheOriginsFault() throws Exception {
        assertFailure(
                run(
                        adapter(),
                        job("5xx", "{\"op\":\"xor\",\"data_url\":\"" + origin.url("/status/503/x") + "\"}"),
                        Duration.ofSeconds(10)),
                originFailure());
        assertFailure(
                run(
                        adapter(),
                        job("404", "{\"op\":\"xor\",\"data_url\":\"" + origin.url("/status/404/x") + "\"}"),
                        Duration.ofSeconds(10)),
                originFailure());
    }

    /**
     * A program pinned to a version its object no longer has is the job's to fail, never the
     * substrate's, whether the origin enforces the precondition (412) or ignores it (the worker's
     * own check); the version the object has now is read (docs/kernel.md#versions).
     */
    @Test
    void anObjectNoLongerAtItsPinnedVersionIsTheJobsNeverTheSubstrates() throws Exception {
        String v2 = "\"digits-v2\"";
        for (String mode : new String[] {"strong", "ignoring"}) {
            String url = origin.url("/versioned/" + mode + "/0/digits");
            ExecutionOutcome stale = run(
                    adapter(),
                    job(
                            "stale-" + mode,
                            "{\"op\":\"crc32c\",\"data_url\":\"" + url
                                    + "\",\"version\":{\"etag\":\"\\\"digits-v1\\\"\",\"size\":9}}"),
                    Duration.ofSeconds(10));
            assertFailure(stale, FailureKind.OBJECT_CHANGED);
            ExecutionOutcome current = run(
                    adapter(),
                    job(
                            "current-" + mode,
                            "{\"op\":\"crc32c\",\"data_url\":\"" + url + "\",\"version\":{\"etag\":"
                                    + JobJson.MAPPER.writeValueAsString(v2) + ",\"size\":9}}"),
                    Duration.ofSeconds(10));
            byte[] inverted = "123456789".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < inverted.length; i++) {
                inverted[i] = (byte) ~inverted[i];
            }
            ExecutionOutcome.Success s =
                    assertInstanceOf(ExecutionOutcome.Success.class, current, String.valueOf(current));
            var expected = Kernel.execute(Program.over(Op.CRC32C, 0, inverted)).toJson();
            assertTrue(
                    GoldenVectors.sameJson(expected, s.result()), mode + ": " + s.result() + ", expected " + expected);
        }
    }

    @Test
    void aRefusedAddressIsAJobError() throws Exception {
        assertFailure(
                run(
                        adapter(),
                        job("meta", "{\"op\":\"xor\",\"data_url\":\"http://169.254.169.254/latest/meta-data/\"}"),
                        Duration.ofSeconds(10)),
                refusedAddressFailure());
    }

    @Test
    void aSaturatedRuntimeThrottles() throws Exception {
        assumeTrue(pushesBack(), "this substrate's runtime never pushes back: the selector caps what it is given");
        List<CompletableFuture<ExecutionOutcome>> hold = new ArrayList<>();
        for (int i = 0; i < capacity(); i++) {
            hold.add(adapter()
                    .execute(new ExecutionRequest(
                            job(
                                    "hold-" + i,
                                    "{\"op\":\"xor\",\"data_url\":\"" + origin.url("/delay/2500/ranged/digits")
                                            + "\"}"),
                            Duration.ofSeconds(10)))
                    .toCompletableFuture());
        }
        Thread.sleep(800); // let every holder reach the runtime
        ExecutionOutcome extra =
                run(adapter(), job("extra", "{\"op\":\"xor\",\"data\":\"AQI=\"}"), Duration.ofSeconds(10));
        assertFailure(extra, FailureKind.THROTTLED);
        for (CompletableFuture<ExecutionOutcome> h : hold) {
            assertInstanceOf(ExecutionOutcome.Success.class, h.get(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void wrongCredentialsAreAConfigurationError() throws Exception {
        SubstrateAdapter withWrongCredentials = adapterWithWrongCredentials();
        assumeTrue(withWrongCredentials != null, "this substrate takes no credentials");
        try (SubstrateAdapter wrong = withWrongCredentials) {
            assertFailure(
                    run(wrong, job("auth", "{\"op\":\"xor\",\"data\":\"AQI=\"}"), Duration.ofSeconds(10)),
                    FailureKind.CONFIGURATION);
        }
    }

    @Test
    void healthIsUpWhenRunningAndDownWhenUnreachable() throws Exception {
        HealthReport up = adapter().health().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(up.healthy(), up.detail());
        SubstrateAdapter unreachable = unreachableAdapter();
        assumeTrue(unreachable != null, "this substrate has no endpoint to be unreachable");
        try (SubstrateAdapter gone = unreachable) {
            HealthReport down = gone.health().toCompletableFuture().get(15, TimeUnit.SECONDS);
            assertFalse(down.healthy());
            assertFailure(
                    run(gone, job("gone", "{\"op\":\"xor\",\"data\":\"AQI=\"}"), Duration.ofSeconds(5)),
                    unreachableFailure());
        }
    }

    protected static void assertFailure(ExecutionOutcome outcome, FailureKind kind) {
        ExecutionOutcome.Failure failure =
                assertInstanceOf(ExecutionOutcome.Failure.class, outcome, String.valueOf(outcome));
        assertEquals(kind, failure.kind(), failure.message());
    }
}
