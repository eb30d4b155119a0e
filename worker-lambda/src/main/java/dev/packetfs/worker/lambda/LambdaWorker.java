package dev.packetfs.worker.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.protocol.fetch.FetchLimits;
import dev.packetfs.protocol.fetch.PublicAddressPolicy;
import dev.packetfs.protocol.fetch.WindowFetcher;
import dev.packetfs.protocol.worker.ComputeWorker;
import dev.packetfs.protocol.worker.WorkerError;
import dev.packetfs.protocol.worker.WorkerLimits;
import dev.packetfs.protocol.worker.WorkerReply;
import dev.packetfs.protocol.worker.WorkerToken;
import dev.packetfs.secrets.SecretUnavailableException;
import dev.packetfs.secrets.SecretValue;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Supplier;
import org.crac.Core;
import org.crac.Resource;

/**
 * The Lambda worker. One handler takes both ways in:
 *
 * <ul>
 *   <li>a direct {@code Invoke} whose payload is the worker protocol's request; the answer is the
 *       protocol's response body. IAM ({@code lambda:InvokeFunction}) authenticates the caller;
 *   <li>a function URL event (payload format 2.0) for {@code POST /compute} or {@code GET /health};
 *       {@code /compute} needs {@code Authorization: Bearer <PACKETFS_WORKER_TOKEN>} exactly as on
 *       every other worker, and the answer is an HTTP response with the protocol's status codes.
 *       Deployed, the token is in Secrets Manager and only its ARN in the environment
 *       ({@code PACKETFS_WORKER_TOKEN_SECRET_ARN}): it is read at the first such request, after
 *       any SnapStart restore, and kept.
 * </ul>
 *
 * Either way the response carries {@code billed} (duration and memory, Lambda's billing units) for
 * the dispatcher's cost ledger.
 *
 * <p>A singleton: Quarkus looks the handler bean up on every invocation, and a dependent bean
 * would bring a new fetcher, and a new connection pool, each time.
 */
@Named("worker")
@Singleton
public class LambdaWorker implements RequestStreamHandler {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<WorkerToken> token;
    private final WindowFetcher fetcher;
    private final ComputeWorker compute;
    private final LambdaWorkerConfig.Worker settings;
    // Held strongly: CRaC keeps registered resources only weakly.
    private final Resource snapshotHook;

    LambdaWorker(LambdaWorkerConfig config) {
        this.settings = config.worker();
        this.token = token(settings);
        LambdaWorkerConfig.Fetch fetch = config.fetch();
        // No connection is opened here: the pool fills on the first invocation, after any restore.
        this.fetcher = new WindowFetcher(
                new FetchLimits(
                        fetch.maxWindowBytes(), fetch.connectTimeout(), settings.maxDuration(), fetch.maxRedirects()),
                PublicAddressPolicy.allowing(fetch.allowHosts().orElse("")));
        this.compute = new ComputeWorker(
                fetcher,
                new WorkerLimits(
                        settings.maxBodyBytes(), settings.maxDuration(), settings.maxConcurrency(), memoryMb()),
                settings.location());
        this.snapshotHook = new Resource() {
            @Override
            public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
                // SnapStart: a pooled socket restored from the snapshot would point at a peer
                // that forgot it long ago.
                fetcher.closeIdleConnections();
            }

            @Override
            public void afterRestore(org.crac.Context<? extends Resource> context) {}
        };
        Core.getGlobalContext().register(snapshotHook);
    }

    /** The configured token at once, or the one its secret holds at first use; neither stops the start. */
    private static Supplier<WorkerToken> token(LambdaWorkerConfig.Worker settings) {
        if (settings.token().isPresent() || settings.tokenSecretArn().isEmpty()) {
            WorkerToken configured = WorkerToken.require(settings.token().orElse(null));
            return () -> configured;
        }
        SecretValue secret = SecretValue.of(settings.tokenSecretArn().get());
        return new Supplier<>() {
            private volatile WorkerToken read;

            @Override
            public WorkerToken get() {
                if (read == null) {
                    read = WorkerToken.require(secret.get());
                }
                return read;
            }
        };
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        long start = System.nanoTime();
        byte[] payload = input.readAllBytes();
        JsonNode event = parse(payload);
        ObjectNode response;
        if (event != null && event.has("requestContext") && event.has("rawPath")) {
            response = functionUrl(event, context, start);
        } else {
            WorkerReply reply = event == null
                    ? compute.compute(payload, deadline(context)) // not JSON: answered as bad_request
                    : compute.compute(event, deadline(context));
            response = withBilling(reply.body(), start, context);
        }
        output.write(JSON.writeValueAsBytes(response));
    }

    private ObjectNode functionUrl(JsonNode event, Context context, long start) {
        String method = event.path("requestContext").path("http").path("method").asText("");
        String path = event.path("rawPath").asText("");
        if (method.equals("GET") && path.equals("/health")) {
            return httpResponse(200, compute.health());
        }
        if (!path.equals("/compute")) {
            return httpResponse(
                    404,
                    WorkerReply.failure(
                                    null,
                                    WorkerError.BAD_REQUEST,
                                    "no such endpoint: " + method + " " + path
                                            + "; this worker serves POST /compute and GET /health")
                            .body());
        }
        if (!method.equals("POST")) {
            return httpResponse(
                    405,
                    WorkerReply.failure(null, WorkerError.BAD_REQUEST, "/compute takes POST")
                            .body());
        }
        WorkerToken required;
        try {
            required = token.get();
        } catch (SecretUnavailableException | IllegalStateException e) {
            // The worker's own configuration is at fault: say so, as a 500 the dispatcher fails over on.
            return httpResponse(
                    500,
                    WorkerReply.failure(null, WorkerError.INTERNAL, "worker token: " + e.getMessage())
                            .body());
        }
        // Function URL headers arrive lower-cased.
        if (!required.accepts(event.path("headers").path("authorization").asText(null))) {
            ObjectNode response = httpResponse(
                    401,
                    WorkerReply.failure(
                                    null,
                                    WorkerError.UNAUTHORIZED,
                                    "Authorization: Bearer <PACKETFS_WORKER_TOKEN> is missing or wrong")
                            .body());
            ((ObjectNode) response.get("headers")).put("www-authenticate", "Bearer");
            return response;
        }
        String text = event.path("body").asText("");
        byte[] body;
        try {
            body = event.path("isBase64Encoded").asBoolean(false)
                    ? Base64.getDecoder().decode(text)
                    : text.getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return httpResponse(
                    400,
                    WorkerReply.failure(null, WorkerError.BAD_REQUEST, "body: bad base64")
                            .body());
        }
        WorkerReply reply = compute.compute(body, deadline(context));
        return httpResponse(reply.status(), withBilling(reply.body(), start, context));
    }

    private static JsonNode parse(byte[] payload) {
        try {
            return JSON.readTree(payload);
        } catch (IOException e) {
            return null;
        }
    }

    /** What this invocation has left, less a margin for the reply; null without a deadline (a local harness). */
    private Duration deadline(Context context) {
        long remaining = context == null ? -1 : context.getRemainingTimeInMillis();
        if (remaining <= 0) {
            return null;
        }
        return Duration.ofMillis(
                Math.max(1, remaining - settings.deadlineMargin().toMillis()));
    }

    private ObjectNode withBilling(ObjectNode body, long start, Context context) {
        body.set("billed", billed(start, context));
        return body;
    }

    /** Lambda bills whole milliseconds of handler time at the configured memory. */
    private ObjectNode billed(long startNanos, Context context) {
        ObjectNode billed = JSON.createObjectNode();
        billed.put("duration_ms", Math.max(1, (System.nanoTime() - startNanos + 999_999) / 1_000_000));
        billed.put(
                "memory_mb",
                context != null && context.getMemoryLimitInMB() > 0 ? context.getMemoryLimitInMB() : memoryMb());
        return billed;
    }

    private static ObjectNode httpResponse(int status, ObjectNode body) {
        ObjectNode response = JSON.createObjectNode();
        response.put("statusCode", status);
        ObjectNode headers = response.putObject("headers");
        headers.put("content-type", "application/json");
        if (status == 429) {
            headers.put("retry-after", "1");
        }
        response.put("body", body.toString());
        response.put("isBase64Encoded", false);
        return response;
    }

    /** The function's memory, which Lambda sets in the environment; what {@code /health} advertises. */
    private static int memoryMb() {
        String size = System.getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
        try {
            return size == null ? 1024 : Integer.parseInt(size);
        } catch (NumberFormatException e) {
            return 1024;
        }
    }
}
