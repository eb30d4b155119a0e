package dev.packetfs.dispatch.queue;

/** What {@code DELETE /jobs/{id}} did. */
public enum CancelOutcome {
    /** A job that had not started: it will not run; its result says it was cancelled. */
    CANCELLED,
    /** A fan-out job: no more of its windows start, and its result (failed, cancelled) follows. */
    CANCELLING,
    /** Running already: it cannot be called back. */
    RUNNING,
    /** Finished already (or finishing). */
    FINISHED,
    /** No such job. */
    UNKNOWN
}
