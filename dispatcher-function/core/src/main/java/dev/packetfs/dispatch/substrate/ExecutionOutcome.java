package dev.packetfs.dispatch.substrate;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** What one execution produced: a kernel result, or a failure the dispatcher knows how to treat. */
public sealed interface ExecutionOutcome {

    long executionTimeMs();

    /** What the provider bills for this execution, successful or not. */
    BilledUnits billed();

    /**
     * @param result the kernel's result object ({@code count}/{@code checksum}/... and {@code bytes_processed})
     * @param location where it ran, as the substrate reports it (a region, a colo), or null
     */
    record Success(ObjectNode result, long bytesProcessed, long executionTimeMs, BilledUnits billed, String location)
            implements ExecutionOutcome {}

    record Failure(FailureKind kind, String message, long executionTimeMs, BilledUnits billed)
            implements ExecutionOutcome {

        public static Failure of(FailureKind kind, String message) {
            return new Failure(kind, message, 0, BilledUnits.NONE);
        }
    }

    /** How the dispatcher reacts to a failure. */
    enum FailureKind {
        /** The substrate itself failed (its own 5xx, no answer, lost connection): try again, maybe elsewhere. */
        RETRYABLE,
        /** The provider pushed back (HTTP 429, TooManyRequests): wait, without burning an attempt. */
        THROTTLED,
        /** The job itself is bad (invalid program, refused address, window too large): fail it, no retry. */
        JOB_ERROR,
        /**
         * The job's origin failed (it answered 4xx or 5xx, timed out, or sent a malformed range):
         * the job's fault, not the substrate's, which did its part. Retried after a backoff, then
         * dead-lettered; never counted against the substrate.
         */
        ORIGIN,
        /** The substrate is misconfigured (401/403: wrong token or role): fail over, not the job's fault. */
        CONFIGURATION,
        /**
         * The substrate will not run this job, though it could run others (volunteers may not be
         * sent to its data_url): elsewhere at once, without burning an attempt; the job fails only
         * when no other substrate may run it. Not a fault of the substrate.
         */
        UNSUITABLE,
        /**
         * The job's object is no longer the version its program pins (docs/kernel.md#versions):
         * the job fails, or its fan-out parent does, with no retry anywhere; every substrate would
         * read the same new version. Not a fault of the substrate.
         */
        OBJECT_CHANGED
    }
}
