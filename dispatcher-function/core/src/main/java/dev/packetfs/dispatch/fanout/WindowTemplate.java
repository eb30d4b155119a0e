package dev.packetfs.dispatch.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.WindowRef;
import dev.packetfs.kernel.Program;
import java.util.List;

/**
 * The job JSON of a fan-out job's windows, as five literal pieces with the window's index, offset,
 * length and (for a chained {@code fnv64}) starting state between them:
 *
 * <pre>piece0 INDEX piece1 OFFSET piece2 LENGTH [,"fnv_state":"STATE"] piece3 INDEX piece4</pre>
 *
 * The Redis queue keeps the pieces with the parent and issues windows from them inside its Lua
 * scripts, as windows are needed; the in-memory queue issues them from the same pieces, so both
 * queue the same text. Every window has the parent's constraints and no budget of its own.
 */
public record WindowTemplate(List<String> pieces) {

    public WindowTemplate {
        pieces = List.copyOf(pieces);
        if (pieces.size() != 5) {
            throw new IllegalArgumentException("a window template has 5 pieces, got " + pieces.size());
        }
    }

    public static WindowTemplate of(ComputeJob parent) {
        Program p = parent.program();
        // The program without its window: {"op":…,"imm":…,"data_url":"…" (no closing brace).
        ObjectNode program = dev.packetfs.kernel.ProgramJson.write(new Program(p.op(), p.imm(), p.dataUrl(), null, 0,
                Program.TO_END, java.util.OptionalLong.empty()));
        program.remove("offset");
        String programHead = open(JobJson.toText(program));
        ObjectNode rest = JobJson.write(parent.windowJob(new WindowRef(parent.jobId(), 0, false), p));
        rest.remove(List.of("job_id", "program", JobJson.WINDOW));
        String constraints = open(JobJson.toText(rest)).substring(1); // without "{"
        String id = JobJson.toText(JobJson.MAPPER.getNodeFactory().textNode(parent.jobId()));
        return new WindowTemplate(List.of(
                "{\"job_id\":" + id.substring(0, id.length() - 1) + "~w",
                "\",\"program\":" + programHead + ",\"offset\":",
                ",\"length\":",
                "}" + (constraints.isEmpty() ? "" : "," + constraints) + ",\"window\":{\"parent\":" + id + ",\"index\":",
                "}}"));
    }

    /** The JSON of window {@code index}; {@code fnvState} is null or 16 hex digits. */
    public String json(long index, long offset, long length, String fnvState) {
        return pieces.get(0) + index + pieces.get(1) + offset + pieces.get(2) + length
                + (fnvState == null || fnvState.isEmpty() ? "" : ",\"fnv_state\":\"" + fnvState + "\"")
                + pieces.get(3) + index + pieces.get(4);
    }

    /** An object's text without its closing brace. */
    private static String open(String object) {
        return object.substring(0, object.length() - 1);
    }
}
