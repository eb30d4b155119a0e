package dev.packetfs.dispatch.substrate.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.contract.SubstrateAdapterContract;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.lambdalocal.LambdaEmulator;
import dev.packetfs.testing.LambdaEmulators;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * LambdaAdapter ↔ the real {@code function.zip}, run by AWS's runtime interface client in two
 * execution environments (separate JVMs), behind {@link LambdaEmulator}'s Invoke API. Real: the
 * adapter and SDK client, SigV4 signing, the deployment artifact, the Quarkus handler, the
 * runtime client, the fetch. Emulated: the Lambda service's HTTP APIs (see LambdaEmulator).
 */
class LambdaAdapterIT extends SubstrateAdapterContract {
    private static final int ENVIRONMENTS = 2;
    private static LambdaEmulator lambda;
    private static LambdaAdapter adapter;

    @BeforeAll
    static void startLambda() throws Exception {
        lambda = LambdaEmulators.worker(
                Map.of(
                        "PACKETFS_WORKER_TOKEN",
                        "lambda-contract-token-0123",
                        "PACKETFS_FETCH_ALLOW_HOSTS",
                        "127.0.0.1"),
                ENVIRONMENTS,
                ENVIRONMENTS,
                1024,
                Duration.ofSeconds(8));
        lambda.awaitWarm(Duration.ofSeconds(60));
        adapter = adapter(lambda.endpoint(), LambdaEmulator.ACCESS_KEY);
    }

    static LambdaAdapter adapter(URI endpoint, String accessKey) {
        LambdaSettings settings = new LambdaSettings(
                LambdaEmulator.FUNCTION,
                null,
                "us-east-1",
                Optional.of(endpoint),
                1024,
                Duration.ofSeconds(8),
                ENVIRONMENTS,
                0.06,
                Duration.ofMillis(30));
        return new LambdaAdapter(
                settings.client(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, "test-secret"))),
                settings);
    }

    @AfterAll
    static void stopLambda() {
        if (adapter != null) {
            adapter.close();
        }
        if (lambda != null) { // null when it did not start: that failure is the one to report
            lambda.close();
        }
    }

    @Override
    protected SubstrateAdapter adapter() {
        return adapter;
    }

    @Override
    protected SubstrateAdapter adapterWithWrongCredentials() {
        return adapter(lambda.endpoint(), "AKIAWRONGWRONGWRONG0");
    }

    @Override
    protected SubstrateAdapter unreachableAdapter() {
        return adapter(URI.create("http://127.0.0.1:9"), LambdaEmulator.ACCESS_KEY);
    }

    @Override
    protected int capacity() {
        return ENVIRONMENTS;
    }

    @Override
    protected Set<String> billedUnits() {
        return Set.of("requests", "gb_seconds");
    }

    @Test
    void theHandlerAnswersBeforeTheLambdaDeadline() throws Exception {
        int before = lambda.timedOut.get();
        // The job allows 20 s and the origin needs 12 s; the function times out at 8 s. The handler
        // reads its deadline from the runtime and gives up in time, so Lambda never kills it and
        // the environment stays warm.
        long start = System.nanoTime();
        ExecutionOutcome outcome = run(
                adapter,
                job("deadline", "{\"op\":\"xor\",\"data_url\":\"" + origin.url("/delay/12000/ranged/digits") + "\"}"),
                Duration.ofSeconds(20));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertFailure(outcome, FailureKind.ORIGIN);
        assertTrue(((ExecutionOutcome.Failure) outcome).message().contains("(504)"), outcome.toString());
        assertTrue(tookMs < 8_000, "answered after " + tookMs + " ms");
        assertEquals(before, lambda.timedOut.get());
    }
}
