package dev.packetfs.dispatch.substrate.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.protocol.worker.WorkerError;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One classification of every failure a worker can report: the job's (bad input, refused data),
 * the origin's (retried later, never held against the substrate), back-pressure, a misconfigured
 * substrate, or the substrate failing.
 */
class WorkerAnswersTest {
    private static final Set<WorkerError> ORIGINS =
            EnumSet.of(WorkerError.ORIGIN_REJECTED, WorkerError.ORIGIN_FAILED, WorkerError.ORIGIN_TIMEOUT);

    private static JsonNode failure(String code) {
        ObjectNode body =
                JsonNodeFactory.instance.objectNode().put("success", false).put("error", "it failed");
        return code == null ? body : body.put("error_code", code);
    }

    private static FailureKind kindOf(int status, JsonNode body) {
        ExecutionOutcome o = WorkerAnswers.outcome("flyio", status, body, 5, BilledUnits.NONE);
        return assertInstanceOf(ExecutionOutcome.Failure.class, o).kind();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(WorkerError.class)
    void everyErrorCodeIsClassifiedTheSameWithOrWithoutAnHttpStatus(WorkerError error) {
        FailureKind expected = switch (error) {
            case BAD_REQUEST, ADDRESS_REFUSED, TOO_LARGE -> FailureKind.JOB_ERROR;
            case ORIGIN_REJECTED, ORIGIN_FAILED, ORIGIN_TIMEOUT -> FailureKind.ORIGIN;
            case BUSY -> FailureKind.THROTTLED;
            case UNAUTHORIZED -> FailureKind.CONFIGURATION;
            case INTERNAL -> FailureKind.RETRYABLE;
            case OBJECT_CHANGED -> FailureKind.OBJECT_CHANGED;
        };
        assertEquals(expected, kindOf(error.httpStatus(), failure(error.code())), "over HTTP");
        assertEquals(expected, kindOf(0, failure(error.code())), "in a Lambda Invoke payload");
        assertEquals(ORIGINS.contains(error), expected == FailureKind.ORIGIN);
    }

    /** Without the worker's error code, a status is all there is: a proxy's 502 is the substrate failing. */
    @ParameterizedTest(name = "HTTP {0} → {1}")
    @CsvSource({
        "400, JOB_ERROR",
        "413, JOB_ERROR",
        "422, JOB_ERROR",
        "412, OBJECT_CHANGED",
        "401, CONFIGURATION",
        "403, CONFIGURATION",
        "404, CONFIGURATION",
        "405, CONFIGURATION",
        "429, THROTTLED",
        "500, RETRYABLE",
        "502, RETRYABLE",
        "503, RETRYABLE",
        "504, RETRYABLE",
        "520, RETRYABLE",
    })
    void statusesWithoutAnErrorCode(int status, FailureKind kind) {
        assertEquals(kind, WorkerAnswers.failureKind(status));
        assertEquals(kind, kindOf(status, failure(null)));
        assertEquals(kind, kindOf(status, null));
    }

    @Test
    void aCodeThatDoesNotMatchItsStatusIsJudgedByTheStatus() {
        // A 502 saying "busy" did not come from a worker keeping the table: trust the status.
        assertEquals(FailureKind.RETRYABLE, kindOf(502, failure("busy")));
        assertEquals(FailureKind.RETRYABLE, kindOf(502, failure("no_such_code")));
    }
}
