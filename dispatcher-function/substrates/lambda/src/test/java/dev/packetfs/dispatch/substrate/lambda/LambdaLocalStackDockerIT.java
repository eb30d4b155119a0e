package dev.packetfs.dispatch.substrate.lambda;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.contract.LocalStackSupport;
import dev.packetfs.dispatch.contract.LocalStackSupport.RequiresLocalStack;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionRequest;
import dev.packetfs.kernel.ProgramJson;
import dev.packetfs.testing.GoldenVectors;
import dev.packetfs.testing.RepositoryPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.localstack.LocalStackContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaAsyncClient;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * LambdaAdapter ↔ LocalStack with the real {@code function.zip} deployed as a java17 function.
 * Needs a Docker engine and {@code LOCALSTACK_AUTH_TOKEN}; without them it is skipped, saying
 * which (the same paths run against the runtime interface client in {@link LambdaAdapterIT}).
 * Objects travel inline: LocalStack's function containers cannot reach this JVM's loopback origin.
 */
@RequiresLocalStack(
        coveredHereBy = "LambdaAdapterIT runs the adapter against the same function.zip under AWS's runtime"
                + " interface client")
class LambdaLocalStackDockerIT {
    private static LocalStackContainer localstack;
    private static LambdaAdapter adapter;

    @BeforeAll
    static void deploy() throws Exception {
        localstack = LocalStackSupport.container().withServices("lambda");
        localstack.start();
        LambdaSettings settings = new LambdaSettings(
                "packetfs-worker",
                null,
                localstack.getRegion(),
                Optional.of(localstack.getEndpoint()),
                1024,
                Duration.ofSeconds(30),
                4,
                0.06,
                Duration.ofMillis(30));
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(localstack.getAccessKey(), localstack.getSecretKey()));
        LambdaAsyncClient client = settings.client(credentials);
        Path zip = RepositoryPaths.find("worker-lambda/target/function.zip");
        client.createFunction(b -> b.functionName("packetfs-worker")
                        .runtime(Runtime.JAVA17)
                        .role("arn:aws:iam::000000000000:role/packetfs-worker")
                        .handler("io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest")
                        .memorySize(1024)
                        .timeout(30)
                        .environment(e ->
                                e.variables(java.util.Map.of("PACKETFS_WORKER_TOKEN", "localstack-token-0123456789")))
                        .code(c -> c.zipFile(SdkBytes.fromByteArray(readAll(zip)))))
                .get(60, TimeUnit.SECONDS);
        client.waiter()
                .waitUntilFunctionActiveV2(b -> b.functionName("packetfs-worker"))
                .get(180, TimeUnit.SECONDS);
        adapter = new LambdaAdapter(client, settings);
    }

    private static byte[] readAll(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() {
        if (adapter != null) {
            adapter.close();
        }
        if (localstack != null) {
            localstack.stop();
        }
    }

    @Test
    void smallVectorsPassInline() throws Exception {
        int n = 0;
        for (GoldenVectors.Case c : GoldenVectors.cases()) {
            ObjectNode program = ((ObjectNode) c.program()).deepCopy();
            if (c.object() != null) {
                byte[] object = GoldenVectors.objectBytes(c.object());
                if (object.length > 64 * 1024 || n % 10 != 0) {
                    n++;
                    continue;
                }
                program = GoldenVectors.inlined(c, object);
            }
            ComputeJob job = ComputeJob.of("ls-" + n++, ProgramJson.parse(JobJson.MAPPER.readTree(program.toString())));
            ExecutionOutcome outcome = adapter.execute(new ExecutionRequest(job, Duration.ofSeconds(25)))
                    .toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
            ExecutionOutcome.Success success = assertInstanceOf(ExecutionOutcome.Success.class, outcome, c.name());
            assertTrue(GoldenVectors.sameJson(c.expected(), success.result()), c.name());
        }
    }

    @Test
    void healthSeesTheActiveFunction() throws Exception {
        assertTrue(
                adapter.health().toCompletableFuture().get(30, TimeUnit.SECONDS).healthy());
    }
}
