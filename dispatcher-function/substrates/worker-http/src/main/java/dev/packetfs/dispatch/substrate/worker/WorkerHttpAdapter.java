package dev.packetfs.dispatch.substrate.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.dispatch.substrate.ExecutionRequest;
import dev.packetfs.dispatch.substrate.HealthReport;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.SubstrateCapability;
import dev.packetfs.kernel.Program;
import dev.packetfs.protocol.worker.WorkerRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A worker that speaks the worker protocol over HTTP ({@code POST /compute}, {@code GET /health}):
 * Fly.io machines, Cloudflare Workers. One JDK {@link HttpClient} per adapter keeps connections
 * pooled and speaks HTTP/2 to {@code https} endpoints (ALPN), HTTP/1.1 keep-alive to {@code http}
 * ones (no cleartext upgrade dance on every new connection).
 */
public class WorkerHttpAdapter implements SubstrateAdapter {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Time over the job's own timeout for the worker to answer that it timed out. */
    private static final Duration ANSWER_SLACK = Duration.ofSeconds(2);

    private final SubstrateCapability capability;
    private final URI compute;
    private final URI health;
    private final String authorization;
    private final HttpClient http;
    private final Function<JsonNode, BilledUnits> billing;

    /**
     * @param baseUrl the worker's root, e.g. {@code https://packetfs-worker.fly.dev}
     * @param billing the units one answer bills, from the answer's body (null when there was none)
     */
    public WorkerHttpAdapter(
            SubstrateCapability capability,
            URI baseUrl,
            String token,
            Duration connectTimeout,
            Function<JsonNode, BilledUnits> billing) {
        this.capability = capability;
        String base = baseUrl.toString().endsWith("/") ? baseUrl.toString() : baseUrl + "/";
        this.compute = URI.create(base + "compute");
        this.health = URI.create(base + "health");
        this.authorization = "Bearer " + token;
        this.billing = billing;
        this.http = HttpClient.newBuilder()
                .version(
                        "https".equalsIgnoreCase(baseUrl.getScheme())
                                ? HttpClient.Version.HTTP_2
                                : HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * The rate at which estimates assume a window is read and scanned: a fetch over the network,
     * not the kernel's (which is ten times faster); estimates are for budgets, not bills.
     */
    static final double ESTIMATED_BYTES_PER_MS = 200_000;

    /** Bytes of the job's window when its length is given; 0 when it runs to an end not yet known. */
    public static long windowBytes(ComputeJob job) {
        long length = job.program().length();
        return length == Program.TO_END ? 0 : length;
    }

    /** The time a job is expected to take on a substrate: its expected latency plus its window at the assumed rate. */
    public static double expectedMs(SubstrateCapability capability, ComputeJob job) {
        return Math.max(1, capability.expectedLatency().toMillis() + windowBytes(job) / ESTIMATED_BYTES_PER_MS);
    }

    @Override
    public SubstrateCapability capability() {
        return capability;
    }

    @Override
    public CompletionStage<ExecutionOutcome> execute(ExecutionRequest request) {
        byte[] body = new WorkerRequest(request.jobId(), request.job().program(), request.timeout())
                .toJson()
                .toString()
                .getBytes(StandardCharsets.UTF_8);
        HttpRequest post = HttpRequest.newBuilder(compute)
                .timeout(request.timeout().plus(ANSWER_SLACK))
                .header("Authorization", authorization)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        long start = System.nanoTime();
        return http.sendAsync(post, HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(response -> answer(response, millisSince(start)))
                .exceptionally(e -> failed(e, millisSince(start)));
    }

    /**
     * What a worker service offers the selector; the worker behind the URL sets the real limits.
     *
     * @param costPerHourUsd the score's cost term: an instance busy for an hour at list price
     * @param maxConcurrency jobs in flight at once across the service (machines or isolates × their limit)
     */
    public record Settings(
            double costPerHourUsd,
            Duration expectedLatency,
            int maxMemoryMb,
            Duration maxDuration,
            int maxConcurrency) {

        /** The capability of an untouched, trusted worker service named {@code name}. */
        public SubstrateCapability capability(String name) {
            return new SubstrateCapability(
                    name,
                    costPerHourUsd,
                    expectedLatency,
                    maxMemoryMb,
                    maxDuration.toMillis(),
                    false,
                    false,
                    maxConcurrency,
                    true);
        }
    }

    private ExecutionOutcome answer(HttpResponse<byte[]> response, long elapsedMs) {
        JsonNode body;
        try {
            body = response.body().length == 0 ? null : JSON.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        BilledUnits billed = billing.apply(body);
        return WorkerAnswers.outcome(capability.name(), response.statusCode(), body, elapsedMs, billed);
    }

    private ExecutionOutcome failed(Throwable e, long elapsedMs) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        String what = cause instanceof HttpTimeoutException
                ? "timed out"
                : cause instanceof ConnectException ? "unreachable" : "failed";
        // The worker may have run and billed; without an answer there is nothing to charge reliably.
        return new ExecutionOutcome.Failure(
                FailureKind.RETRYABLE, capability.name() + " " + what + ": " + cause, elapsedMs, BilledUnits.NONE);
    }

    @Override
    public CompletionStage<HealthReport> health() {
        HttpRequest get = HttpRequest.newBuilder(health)
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build();
        return http.sendAsync(get, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> {
                    if (response.statusCode() != 200) {
                        return HealthReport.down(capability.name() + " /health answered " + response.statusCode());
                    }
                    try {
                        JsonNode body = JSON.readTree(response.body());
                        return "ok".equals(body.path("status").asText())
                                ? HealthReport.up()
                                : HealthReport.down(capability.name() + " reports "
                                        + body.path("status").asText());
                    } catch (IOException e) {
                        return HealthReport.down(capability.name() + " /health is not JSON");
                    }
                })
                .exceptionally(e -> HealthReport.down(
                        capability.name() + " /health failed: " + (e.getCause() == null ? e : e.getCause())))
                .toCompletableFuture();
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
