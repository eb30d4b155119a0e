package dev.packetfs.dispatch.queue;

/**
 * Where a job is: {@code queued}, {@code running}, {@code retrying}, or finished
 * ({@code succeeded}/{@code failed}, when {@link #finished()}).
 */
public record JobStatus(String jobId, String state, int attempts, String substrate, String error) {

    public boolean finished() {
        return state.equals("succeeded") || state.equals("failed");
    }
}
