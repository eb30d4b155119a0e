package dev.packetfs.dispatch.job;

/**
 * Marks a job as one window of a fan-out job (docs/jobs.md#fan-out): which parent, and which of
 * its windows. Only the dispatcher makes such jobs; a submitted job may not carry one.
 *
 * <p>A window's id is {@code <parent>~w<index>}, and a hedge's (a duplicate run elsewhere when
 * the window is late) {@code <parent>~w<index>~h}. {@code ~} is not allowed in a submitted job id,
 * so no job a user submits can collide with a window.
 *
 * @param hedge true for the duplicate a hedge runs; either answer completes the window
 */
public record WindowRef(String parent, long index, boolean hedge) {

    public WindowRef {
        JobIds.check(parent);
        if (index < 0) {
            throw new JobException("window.index", "must be an integer 0 or more, got " + index);
        }
    }

    /** The id of the job that runs this window. */
    public String jobId() {
        return parent + "~w" + index + (hedge ? "~h" : "");
    }

    /** The same window, run again elsewhere. */
    public WindowRef asHedge() {
        return new WindowRef(parent, index, true);
    }
}
