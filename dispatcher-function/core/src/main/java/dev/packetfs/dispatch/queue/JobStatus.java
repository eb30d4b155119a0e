package dev.packetfs.dispatch.queue;

import dev.packetfs.dispatch.fanout.FanOutProgress;

/**
 * Where a job is: {@code queued}, {@code running}, {@code retrying}, or finished
 * ({@code succeeded}/{@code failed}, when {@link #finished()}).
 *
 * @param fanOut a fan-out job's progress while it runs; null otherwise
 */
public record JobStatus(
        String jobId, String state, int attempts, String substrate, String error, FanOutProgress fanOut) {

    public JobStatus(String jobId, String state, int attempts, String substrate, String error) {
        this(jobId, state, attempts, substrate, error, null);
    }

    public boolean finished() {
        return state.equals("succeeded") || state.equals("failed");
    }
}
