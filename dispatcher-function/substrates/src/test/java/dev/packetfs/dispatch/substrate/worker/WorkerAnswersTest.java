package dev.packetfs.dispatch.substrate.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WorkerAnswersTest {

    @ParameterizedTest(name = "HTTP {0} → {1}")
    @CsvSource({
        "400, JOB_ERROR", "413, JOB_ERROR", "422, JOB_ERROR",
        "401, CONFIGURATION", "403, CONFIGURATION", "404, CONFIGURATION", "405, CONFIGURATION",
        "429, THROTTLED",
        "500, RETRYABLE", "502, RETRYABLE", "503, RETRYABLE", "504, RETRYABLE", "520, RETRYABLE",
    })
    void statusesMapToWhatTheDispatcherDoesNext(int status, FailureKind kind) {
        assertEquals(kind, WorkerAnswers.failureKind(status));
    }
}
