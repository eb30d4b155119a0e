package dev.packetfs.dispatch.substrate.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.protocol.worker.WorkerError;

/**
 * Turns a worker protocol answer into an {@link ExecutionOutcome}, the same way for every remote
 * worker: by the {@code error_code} the body carries when it has one (worker-errors.json), else by
 * the HTTP status. The code comes first because a status alone cannot tell the worker's own
 * failure from its origin's: a 502 {@code origin_failed} is the job's origin failing, while a 502
 * from the platform's proxy in front of the worker is the substrate failing.
 */
public final class WorkerAnswers {

    private WorkerAnswers() {}

    /** How the dispatcher treats a worker's error code; null for a code this version does not know. */
    public static FailureKind failureKind(WorkerError error) {
        if (error == null) {
            return null;
        }
        return switch (error) {
            case BAD_REQUEST, ADDRESS_REFUSED, TOO_LARGE -> FailureKind.JOB_ERROR;
            case ORIGIN_REJECTED, ORIGIN_FAILED, ORIGIN_TIMEOUT -> FailureKind.ORIGIN;
            case BUSY -> FailureKind.THROTTLED;
            case UNAUTHORIZED -> FailureKind.CONFIGURATION;
            case INTERNAL -> FailureKind.RETRYABLE;
            case OBJECT_CHANGED -> FailureKind.OBJECT_CHANGED;
        };
    }

    /** How the dispatcher treats a worker's HTTP status when the answer carries no known error code. */
    public static FailureKind failureKind(int status) {
        if (status == 429) {
            return FailureKind.THROTTLED;
        }
        // 404 and 405 come from an endpoint that is not a worker (a wrong URL), not from a job.
        if (status == 401 || status == 403 || status == 404 || status == 405) {
            return FailureKind.CONFIGURATION;
        }
        if (status == 400 || status == 413 || status == 422) {
            return FailureKind.JOB_ERROR;
        }
        if (status == 412) {
            return FailureKind.OBJECT_CHANGED;
        }
        return FailureKind.RETRYABLE;
    }

    /**
     * @param status the HTTP status, or 0 when the transport has none and the body's
     *     {@code error_code} decides
     * @param elapsedMs time the dispatcher observed, used when the worker did not report its own
     */
    public static ExecutionOutcome outcome(
            String substrate, int status, JsonNode body, long elapsedMs, BilledUnits billed) {
        boolean success = body != null && body.path("success").asBoolean(false);
        if (success && (status == 0 || status == 200)) {
            JsonNode result = body.get("result");
            if (result == null
                    || !result.isObject()
                    || !body.path("bytes_processed").canConvertToLong()) {
                return new ExecutionOutcome.Failure(
                        FailureKind.RETRYABLE,
                        substrate + " answered success without a result: " + abbreviate(body),
                        elapsedMs,
                        billed);
            }
            long executionMs = body.path("execution_time_ms").canConvertToLong()
                    ? body.get("execution_time_ms").longValue()
                    : elapsedMs;
            return new ExecutionOutcome.Success(
                    (ObjectNode) result,
                    body.get("bytes_processed").longValue(),
                    executionMs,
                    billed,
                    body.path("location").asText(null));
        }
        String message = body != null && body.path("error").isTextual()
                ? body.get("error").asText()
                : abbreviate(body);
        WorkerError error = body == null
                ? null
                : WorkerError.fromCode(body.path("error_code").asText(""));
        int effective = status == 0 || status == 200 ? error == null ? 500 : error.httpStatus() : status;
        FailureKind kind =
                error != null && error.httpStatus() == effective ? failureKind(error) : failureKind(effective);
        return new ExecutionOutcome.Failure(kind, substrate + " (" + effective + "): " + message, elapsedMs, billed);
    }

    static String abbreviate(JsonNode body) {
        String text = String.valueOf(body);
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }
}
