package dev.packetfs.dispatch.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Program;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A fan-out job's one result, from its progress and its windows' answers: merged in window order
 * with the kernel's {@code merge} (crc32c combined, fnv64 chained, the others added or xored),
 * with a summary of its windows, bytes and cost per substrate. Both queues finish parents here.
 */
public final class FanOutMerge {

    private FanOutMerge() {}

    /**
     * The result once every window is in.
     *
     * @param answers each window's result object, in window order
     * @param mergeTime how long reading and merging the answers took
     */
    public static JobResult succeeded(
            FanOutProgress p, List<? extends JsonNode> answers, Duration mergeTime, Instant now) {
        KernelResult merged = null;
        for (int i = 0; i < answers.size(); i++) {
            JsonNode answer = answers.get(i);
            if (answer == null) {
                return failed(p, "window " + i + " has no answer", now);
            }
            KernelResult r = KernelResult.fromJson(p.op(), answer);
            merged = merged == null ? r : Kernel.merge(p.op(), merged, r);
        }
        if (merged == null || answers.size() != p.windows() || merged.bytesProcessed() != p.bytes()) {
            // A window cut short: the object shrank (or was replaced) while it was read, so the
            // merge would be the checksum of no version of it.
            return failed(
                    p,
                    "the object changed while it was read: its windows hold "
                            + (merged == null ? 0 : merged.bytesProcessed()) + " bytes, the plan " + p.bytes()
                            + " (of an object of " + p.objectBytes() + " bytes)",
                    now);
        }
        ObjectNode summary = summary(p, "succeeded");
        summary.put("merge_ms", mergeTime.toMillis());
        return new JobResult(
                p.parentId(),
                JobResult.Status.SUCCEEDED,
                null,
                merged.toJson(),
                elapsedMs(p, now),
                p.costPicoUsd(),
                (int) Math.min(Integer.MAX_VALUE, p.executions()),
                null,
                now,
                summary);
    }

    /** How a parent's error names the window that failed it. */
    public static String windowFailed(ComputeJob window, String error) {
        return named(window) + " failed: " + error;
    }

    /** How a parent's record words a window that found its object changed: the window, and what it found. */
    public static String windowFoundChanged(ComputeJob window, String error) {
        return named(window) + " found: " + error;
    }

    /** {@code window <i> (bytes <first>..<last>)}. */
    private static String named(ComputeJob window) {
        Program p = window.program();
        return "window " + window.window().index() + " (bytes " + p.offset() + ".." + (p.offset() + p.length() - 1)
                + ")";
    }

    /**
     * The error of a parent whose object changed while it ran: the version its plan read, what a
     * window found, how far it had got, and what the user can do.
     */
    static String changedError(FanOutProgress p) {
        String planned = p.version() == null ? "no version" : p.version().describe();
        String again = p.maxRestarts() == 0
                ? "; submit it again, or with \"on_change\": \"restart\" to plan it again against the new version"
                : "; it was planned again " + p.restarts() + " times already, the most its on_change allows"
                        + " (packetfs.fanout.max-restarts)";
        return "the object changed while the job ran: the plan read " + planned + "; "
                + (p.error() == null ? "a window found another version" : p.error()) + "; " + p.done() + " of "
                + p.windows() + " windows had been read, and nothing was merged" + again;
    }

    /** The result of a parent that ended without every window: failed, cancelled or stopped by its budget. */
    public static JobResult ended(FanOutProgress p, Instant now) {
        String error = switch (p.state()) {
            case "changed" -> changedError(p);
            case "cancelled" ->
                "cancelled (DELETE /jobs/" + p.parentId() + ") after " + p.done() + " of " + p.windows() + " windows";
            case "stopped" ->
                "stopped by max_cost_usd " + JobJson.usd(p.maxCostPicoUsd()).toPlainString() + ": "
                        + JobJson.usd(p.costPicoUsd()).toPlainString() + " USD spent on " + p.done() + " of "
                        + p.windows()
                        + " windows, and the next would pass it";
            default -> p.error() == null ? "a window failed" : p.error();
        };
        return failed(p, error, now);
    }

    private static JobResult failed(FanOutProgress p, String error, Instant now) {
        ObjectNode summary = summary(p, "failed");
        return new JobResult(
                p.parentId(),
                JobResult.Status.FAILED,
                null,
                null,
                elapsedMs(p, now),
                p.costPicoUsd(),
                (int) Math.min(Integer.MAX_VALUE, p.executions()),
                error,
                now,
                summary);
    }

    private static ObjectNode summary(FanOutProgress p, String state) {
        ObjectNode s = p.toJson();
        s.put("state", state);
        s.remove("windows_queued");
        return s;
    }

    private static long elapsedMs(FanOutProgress p, Instant now) {
        return Math.max(0, Duration.between(p.startedAt(), now).toMillis());
    }
}
