package dev.packetfs.dispatch.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.WindowRef;
import dev.packetfs.kernel.ObjectVersion;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramJson;
import java.util.List;
import java.util.OptionalLong;

/**
 * The job JSON of a fan-out job's windows, as five literal pieces with the window's index, offset,
 * length and (for a chained {@code fnv64}) starting state between them:
 *
 * <pre>piece0 INDEX piece1 OFFSET piece2 LENGTH [,"fnv_state":"STATE"] piece3 INDEX piece4</pre>
 *
 * The Redis queue keeps the pieces with the parent and issues windows from them inside its Lua
 * scripts, as windows are needed; the in-memory queue issues them from the same pieces, so both
 * queue the same text. Every window has the parent's constraints and no budget of its own, and
 * its program the plan's version of the object (docs/kernel.md#versions).
 */
public record WindowTemplate(List<String> pieces) {

    public WindowTemplate {
        pieces = List.copyOf(pieces);
        if (pieces.size() != 5) {
            throw new IllegalArgumentException("a window template has 5 pieces, got " + pieces.size());
        }
    }

    /** The windows of the parent's first plan, of no known version. */
    public static WindowTemplate of(ComputeJob parent) {
        return of(parent, null, 0);
    }

    /**
     * The windows of plan {@code plan} (0, or the restart it follows) of {@code parent}, each
     * read only from {@code version}.
     */
    public static WindowTemplate of(ComputeJob parent, ObjectVersion version, int plan) {
        Program p = parent.program();
        // The program without its window: {"op":…,"imm":…,"data_url":"…" (no closing brace).
        ObjectNode program = ProgramJson.write(
                new Program(p.op(), p.imm(), p.dataUrl(), null, 0, Program.TO_END, OptionalLong.empty()));
        program.remove("offset");
        String programHead = open(JobJson.toText(program));
        String versionPart = version == null ? "" : ",\"version\":" + JobJson.toText(ProgramJson.write(version));
        ObjectNode rest = JobJson.write(parent.windowJob(new WindowRef(parent.jobId(), 0, false), p));
        rest.remove(List.of("job_id", "program", JobJson.WINDOW));
        String constraints = open(JobJson.toText(rest)).substring(1); // without "{"
        String id = JobJson.toText(JobJson.MAPPER.getNodeFactory().textNode(parent.jobId()));
        String idHead = id.substring(0, id.length() - 1) + (plan == 0 ? "" : "~r" + plan);
        return new WindowTemplate(List.of(
                "{\"job_id\":" + idHead + "~w",
                "\",\"program\":" + programHead + versionPart + ",\"offset\":",
                ",\"length\":",
                "}" + (constraints.isEmpty() ? "" : "," + constraints) + ",\"window\":{\"parent\":" + id
                        + (plan == 0 ? "" : ",\"plan\":" + plan) + ",\"index\":",
                "}}"));
    }

    /** The JSON of window {@code index}; {@code fnvState} is null or 16 hex digits. */
    public String json(long index, long offset, long length, String fnvState) {
        return pieces.get(0)
                + index
                + pieces.get(1)
                + offset
                + pieces.get(2)
                + length
                + (fnvState == null || fnvState.isEmpty() ? "" : ",\"fnv_state\":\"" + fnvState + "\"")
                + pieces.get(3)
                + index
                + pieces.get(4);
    }

    /** An object's text without its closing brace. */
    private static String open(String object) {
        return object.substring(0, object.length() - 1);
    }
}
