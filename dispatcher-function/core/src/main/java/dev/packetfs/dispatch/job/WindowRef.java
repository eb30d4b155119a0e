package dev.packetfs.dispatch.job;

/**
 * Marks a job as one window of a fan-out job (docs/jobs.md#fan-out): which parent, which plan of
 * it, and which of its windows. Only the dispatcher makes such jobs; a submitted job may not carry
 * one.
 *
 * <p>A window's id is {@code <parent>~w<index>}, and a hedge's (a duplicate run elsewhere when
 * the window is late) {@code <parent>~w<index>~h}. A parent planned again after its object changed
 * ({@code "on_change": "restart"}) has windows {@code <parent>~r<plan>~w<index>}, so a window of
 * the old plan still running can never be taken for one of the new. {@code ~} is not allowed in a
 * submitted job id, so no job a user submits can collide with a window.
 *
 * @param plan 0 for the parent's first plan, n after its n-th restart
 * @param hedge true for the duplicate a hedge runs; either answer completes the window
 */
public record WindowRef(String parent, long index, int plan, boolean hedge) {

    public WindowRef {
        JobIds.check(parent);
        if (index < 0) {
            throw new JobException("window.index", "must be an integer 0 or more, got " + index);
        }
        if (plan < 0) {
            throw new JobException("window.plan", "must be an integer 0 or more, got " + plan);
        }
    }

    /** A window of the parent's first plan. */
    public WindowRef(String parent, long index, boolean hedge) {
        this(parent, index, 0, hedge);
    }

    /** The id of the job that runs this window. */
    public String jobId() {
        return parent + (plan == 0 ? "" : "~r" + plan) + "~w" + index + (hedge ? "~h" : "");
    }

    /** The same window, run again elsewhere. */
    public WindowRef asHedge() {
        return new WindowRef(parent, index, plan, true);
    }
}
