package dev.packetfs.dispatch.queue;

/** The answer to a submit: queued now, or known already (queued, running or finished). */
public record SubmitOutcome(String jobId, boolean queued) {}
