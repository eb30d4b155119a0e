package dev.packetfs.dispatch.substrate.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.dispatch.substrate.ExecutionRequest;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * LambdaAdapter's reading of the Invoke API's documented answers. Real: the adapter, the AWS SDK
 * client and its error unmarshalling over a loopback socket. Scripted: the answers, one per case,
 * as the Lambda API reference documents them (status, {@code x-amzn-ErrorType}, body).
 */
class LambdaInvokeErrorsIT {
    /** What the loopback "Invoke API" answers next. */
    private record Answer(int status, Map<String, String> headers, String body, long delayMs) {}

    private static volatile Answer answer;
    private static HttpServer server;
    // One adapter for the class: closing an SDK client waits out Netty's quiet period.
    private static LambdaAdapter adapter;

    @BeforeAll
    static void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/", exchange -> {
            try (exchange) {
                Answer a = answer;
                exchange.getRequestBody().readAllBytes();
                Thread.sleep(a.delayMs());
                a.headers().forEach(exchange.getResponseHeaders()::set);
                // One connection per case: the JDK's HttpServer can drop a kept-alive connection
                // just as the client sends its next request on it (seen once under load, as "The
                // connection was closed during the request" for the case after), and what the
                // adapter makes of a connection drop is not what these cases check.
                exchange.getResponseHeaders().set("Connection", "close");
                byte[] bytes = a.body().getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(a.status(), bytes.length);
                exchange.getResponseBody().write(bytes);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        LambdaSettings settings = new LambdaSettings(
                "packetfs-worker",
                null,
                "us-east-1",
                Optional.of(URI.create("http://127.0.0.1:" + server.getAddress().getPort())),
                512,
                Duration.ofSeconds(30),
                4,
                0.03,
                Duration.ofMillis(30));
        adapter = new LambdaAdapter(
                settings.client(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIA0", "s"))), settings);
    }

    @AfterAll
    static void stop() {
        adapter.close();
        server.stop(0);
    }

    private static LambdaAdapter adapterAnswering(int status, Map<String, String> headers, String body, long delayMs) {
        answer = new Answer(status, headers, body, delayMs);
        return adapter;
    }

    private static ExecutionOutcome run(LambdaAdapter adapter, Duration timeout) throws Exception {
        ComputeJob job = ComputeJob.of(
                "j", new Program(Op.XOR, 0, null, new byte[] {1, 2}, 0, Program.TO_END, OptionalLong.empty()));
        return adapter.execute(new ExecutionRequest(job, timeout))
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "{0} {1} → {2}")
    @CsvSource({
        "429, TooManyRequestsException, THROTTLED",
        "502, EC2ThrottledException, THROTTLED",
        "500, ServiceException, RETRYABLE",
        "502, ENILimitReachedException, RETRYABLE",
        "502, SubnetIPAddressLimitReachedException, RETRYABLE",
        "503, ResourceNotReadyException, RETRYABLE",
        "409, ResourceConflictException, RETRYABLE",
        "403, AccessDeniedException, CONFIGURATION",
        "403, UnrecognizedClientException, CONFIGURATION",
        "404, ResourceNotFoundException, CONFIGURATION",
        "413, RequestTooLargeException, JOB_ERROR",
        "400, InvalidRequestContentException, JOB_ERROR",
    })
    void documentedInvokeErrors(int status, String type, FailureKind expected) throws Exception {
        LambdaAdapter adapter = adapterAnswering(
                status,
                Map.of("x-amzn-ErrorType", type, "Content-Type", "application/json"),
                "{\"Type\":\"User\",\"message\":\"" + type + " from the test\"}",
                0);
        ExecutionOutcome.Failure failure =
                assertInstanceOf(ExecutionOutcome.Failure.class, run(adapter, Duration.ofSeconds(5)));
        assertEquals(expected, failure.kind(), failure.message());
        assertTrue(failure.message().contains(type), failure.message());
    }

    @Test
    void anUnhandledFunctionErrorIsRetryableAndStillBilled() throws Exception {
        String report =
                "REPORT RequestId: x\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 2048 MB\tMax Memory Used: 200 MB\t\n";
        LambdaAdapter adapter = adapterAnswering(
                200,
                Map.of(
                        "X-Amz-Function-Error",
                        "Unhandled",
                        "X-Amz-Log-Result",
                        Base64.getEncoder().encodeToString(report.getBytes(StandardCharsets.UTF_8))),
                "{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":\"Task timed out after 3.00 seconds\"}",
                0);
        ExecutionOutcome.Failure failure =
                assertInstanceOf(ExecutionOutcome.Failure.class, run(adapter, Duration.ofSeconds(5)));
        assertEquals(FailureKind.RETRYABLE, failure.kind());
        assertTrue(failure.message().contains("Task timed out"));
        assertEquals(6.0, failure.billed().quantities().get("gb_seconds"), 1e-9); // 3 s × 2 GB
        assertEquals(1.0, failure.billed().quantities().get("requests"));
    }

    @Test
    void aWorkerRefusalInsideA200IsReadFromItsErrorCode() throws Exception {
        LambdaAdapter adapter = adapterAnswering(
                200,
                Map.of(),
                "{\"success\":false,\"error\":\"all 4 slots of this worker are busy\",\"error_code\":\"busy\","
                        + "\"billed\":{\"duration_ms\":2,\"memory_mb\":512}}",
                0);
        ExecutionOutcome.Failure failure =
                assertInstanceOf(ExecutionOutcome.Failure.class, run(adapter, Duration.ofSeconds(5)));
        assertEquals(FailureKind.THROTTLED, failure.kind());
        assertEquals(0.001, failure.billed().quantities().get("gb_seconds"), 1e-9);
    }

    @Test
    void aHangingInvokeTimesOutRetryably() throws Exception {
        LambdaAdapter adapter = adapterAnswering(200, Map.of(), "{}", 6_000);
        long start = System.nanoTime();
        ExecutionOutcome.Failure failure =
                assertInstanceOf(ExecutionOutcome.Failure.class, run(adapter, Duration.ofMillis(500)));
        assertEquals(FailureKind.RETRYABLE, failure.kind());
        assertTrue(failure.message().contains("timed out"), failure.message());
        assertTrue((System.nanoTime() - start) / 1_000_000 < 4_000);
    }
}
