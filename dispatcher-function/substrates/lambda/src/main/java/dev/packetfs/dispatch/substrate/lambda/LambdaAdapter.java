package dev.packetfs.dispatch.substrate.lambda;

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
import dev.packetfs.dispatch.substrate.worker.WorkerAnswers;
import dev.packetfs.dispatch.substrate.worker.WorkerHttpAdapter;
import dev.packetfs.protocol.worker.WorkerRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.lambda.LambdaAsyncClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.LogType;

/**
 * The {@code lambda} substrate: worker-lambda invoked synchronously through the AWS SDK v2 async
 * client. The endpoint is configuration (AWS, LocalStack, a local emulator), so a deployment needs
 * no code change.
 *
 * <p>Billing: Lambda charges one request plus GB-seconds (billed duration × configured memory).
 * The figures come from the invocation's own {@code REPORT} log line when Lambda returns it
 * ({@code LogType=Tail}), else from what the worker measured in its answer's {@code billed}.
 */
public final class LambdaAdapter implements SubstrateAdapter {
    public static final String NAME = "lambda";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BILLED_DURATION = Pattern.compile("Billed Duration: (\\d+) ms");
    private static final Pattern MEMORY_SIZE = Pattern.compile("Memory Size: (\\d+) MB");

    private final LambdaAsyncClient lambda;
    private final LambdaSettings settings;
    private final SubstrateCapability capability;

    public LambdaAdapter(LambdaAsyncClient lambda, LambdaSettings settings) {
        this.lambda = lambda;
        this.settings = settings;
        this.capability = new SubstrateCapability(
                NAME,
                settings.costPerHourUsd(),
                settings.expectedLatency(),
                settings.memoryMb(),
                settings.maxDuration().toMillis(),
                false,
                false,
                settings.maxConcurrency(),
                true);
    }

    @Override
    public SubstrateCapability capability() {
        return capability;
    }

    @Override
    public CompletionStage<ExecutionOutcome> execute(ExecutionRequest request) {
        String payload = new WorkerRequest(request.jobId(), request.job().program(), request.timeout())
                .toJson()
                .toString();
        long start = System.nanoTime();
        return lambda.invoke(b -> b.functionName(settings.functionName())
                        .qualifier(settings.qualifier())
                        .invocationType(InvocationType.REQUEST_RESPONSE)
                        .logType(LogType.TAIL)
                        .payload(SdkBytes.fromString(payload, StandardCharsets.UTF_8))
                        .overrideConfiguration(
                                o -> o.apiCallTimeout(request.timeout().plus(Duration.ofSeconds(2)))))
                .thenApply(response -> answer(response, millisSince(start)))
                .exceptionally(e -> failed(e, millisSince(start)));
    }

    private ExecutionOutcome answer(InvokeResponse response, long elapsedMs) {
        JsonNode body;
        try {
            body = JSON.readTree(response.payload().asByteArray());
        } catch (IOException | RuntimeException e) {
            body = null;
        }
        BilledUnits billed = billed(response.logResult(), body);
        if (response.functionError() != null) {
            // Unhandled: the function crashed, ran out of memory or hit its timeout. The next
            // environment may well succeed.
            String message = body != null && body.has("errorMessage")
                    ? body.get("errorMessage").asText()
                    : String.valueOf(body);
            return new ExecutionOutcome.Failure(
                    FailureKind.RETRYABLE,
                    NAME + " function error (" + response.functionError() + "): " + message,
                    elapsedMs,
                    billed);
        }
        return WorkerAnswers.outcome(NAME, 0, body, elapsedMs, billed);
    }

    /** One request, and the GB-seconds of its expected duration (WorkerHttpAdapter#expectedMs) at the function's memory. */
    @Override
    public BilledUnits estimate(ComputeJob job) {
        double ms = Math.ceil(WorkerHttpAdapter.expectedMs(capability, job));
        return BilledUnits.of("requests", 1, "gb_seconds", ms / 1000.0 * settings.memoryMb() / 1024.0);
    }

    /** One request and the GB-seconds of the REPORT line, or of the worker's own measurement. */
    BilledUnits billed(String logResult, JsonNode body) {
        long durationMs = -1;
        long memoryMb = settings.memoryMb();
        if (logResult != null) {
            String log = new String(Base64.getDecoder().decode(logResult), StandardCharsets.UTF_8);
            Matcher d = BILLED_DURATION.matcher(log);
            Matcher m = MEMORY_SIZE.matcher(log);
            if (d.find()) {
                durationMs = Long.parseLong(d.group(1));
            }
            if (m.find()) {
                memoryMb = Long.parseLong(m.group(1));
            }
        }
        if (durationMs < 0
                && body != null
                && body.path("billed").path("duration_ms").canConvertToLong()) {
            durationMs = body.get("billed").get("duration_ms").longValue();
            memoryMb = body.get("billed").path("memory_mb").asLong(memoryMb);
        }
        if (durationMs < 0) {
            return BilledUnits.of("requests", 1);
        }
        return BilledUnits.of("requests", 1, "gb_seconds", durationMs / 1000.0 * memoryMb / 1024.0);
    }

    private ExecutionOutcome failed(Throwable e, long elapsedMs) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof LambdaException lambdaError) {
            return new ExecutionOutcome.Failure(
                    kindOf(lambdaError),
                    NAME + " " + errorCode(lambdaError) + ": "
                            + lambdaError.awsErrorDetails().errorMessage(),
                    elapsedMs,
                    BilledUnits.NONE);
        }
        if (cause instanceof ApiCallTimeoutException || cause instanceof ApiCallAttemptTimeoutException) {
            return new ExecutionOutcome.Failure(
                    FailureKind.RETRYABLE, NAME + " timed out: " + cause.getMessage(), elapsedMs, BilledUnits.NONE);
        }
        String detail = cause instanceof SdkClientException ? cause.getMessage() : String.valueOf(cause);
        return new ExecutionOutcome.Failure(
                FailureKind.RETRYABLE, NAME + " invoke failed: " + detail, elapsedMs, BilledUnits.NONE);
    }

    /**
     * The Invoke API's documented errors: 429 TooManyRequests is back-pressure; 4xx about
     * credentials, permissions or the function's existence is our configuration; a 400 about the
     * payload is the job; everything else (5xx, ENI and KMS trouble, a function still starting) passes.
     */
    static FailureKind kindOf(LambdaException e) {
        String code = errorCode(e);
        int status = e.statusCode();
        if (status == 429 || code.equals("TooManyRequestsException") || code.equals("EC2ThrottledException")) {
            return FailureKind.THROTTLED;
        }
        switch (code) {
            case "RequestTooLargeException":
            case "InvalidRequestContentException":
            case "UnsupportedMediaTypeException":
                return FailureKind.JOB_ERROR;
            case "ResourceNotReadyException":
            case "ResourceConflictException":
                return FailureKind.RETRYABLE;
            default:
                break;
        }
        if (status == 401
                || status == 403
                || status == 404
                || code.equals("ResourceNotFoundException")
                || code.equals("UnrecognizedClientException")
                || code.equals("AccessDeniedException")
                || code.equals("InvalidSignatureException")) {
            return FailureKind.CONFIGURATION;
        }
        return FailureKind.RETRYABLE;
    }

    private static String errorCode(LambdaException e) {
        return e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null
                ? ""
                : e.awsErrorDetails().errorCode();
    }

    /** The function's state from GetFunctionConfiguration: free, and no invocation is spent. */
    @Override
    public CompletionStage<HealthReport> health() {
        return lambda.getFunctionConfiguration(b -> b.functionName(settings.functionName())
                        .qualifier(settings.qualifier())
                        .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(5))))
                .thenApply(c -> c.state() == null || "Active".equals(c.stateAsString())
                        ? HealthReport.up()
                        : HealthReport.down(NAME + " function is " + c.stateAsString() + ": " + c.stateReason()))
                .exceptionally(e -> {
                    Throwable cause = e.getCause() == null ? e : e.getCause();
                    return HealthReport.down(NAME + " health: " + cause.getMessage());
                });
    }

    @Override
    public void close() {
        lambda.close();
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
