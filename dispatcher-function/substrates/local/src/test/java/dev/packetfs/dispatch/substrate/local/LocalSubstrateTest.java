package dev.packetfs.dispatch.substrate.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.protocol.fetch.FetchException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The local substrate classifies a failed fetch as the worker vocabulary does (WorkerAnswersTest). */
class LocalSubstrateTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(FetchException.Kind.class)
    void aFailedFetchIsTheJobsOrTheOriginsNeverTheSubstrates(FetchException.Kind kind) {
        FailureKind expected = switch (kind) {
            case ADDRESS_REFUSED, TOO_LARGE -> FailureKind.JOB_ERROR;
            case OBJECT_CHANGED -> FailureKind.OBJECT_CHANGED;
            case HTTP_STATUS, TIMEOUT, IO, BAD_REPLY -> FailureKind.ORIGIN;
        };
        assertEquals(expected, LocalSubstrate.kindOf(new FetchException(kind, "x", 503, null)));
    }
}
