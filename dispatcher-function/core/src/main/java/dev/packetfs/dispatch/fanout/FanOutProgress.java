package dev.packetfs.dispatch.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.kernel.ObjectVersion;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.ProgramJson;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a fan-out job stands, as the queue keeps it (docs/jobs.md#fan-out).
 *
 * @param state {@code running}; {@code merging} once every window is done; {@code restarting} while
 *     a parent whose object changed is planned again; or, on the way to a failed result,
 *     {@code failed} (a window failed for good), {@code changed} (its object changed while it ran),
 *     {@code cancelled} or {@code stopped} (its budget would be passed)
 * @param issued windows queued so far
 * @param done windows whose answer is in
 * @param costPicoUsd what every execution of its windows cost so far (retries and hedges included)
 * @param executions executions of its windows so far
 * @param error for {@code failed} and {@code changed}: which window, and why
 * @param version the version of the object its windows are read from; null when its origin told
 *     nothing that can be checked
 * @param restarts times it was planned again after its object changed (its plan's number)
 * @param maxRestarts times it may be; 0 unless it has {@code "on_change": "restart"}
 */
public record FanOutProgress(
        String parentId,
        Op op,
        String state,
        long windows,
        long issued,
        long done,
        long objectBytes,
        long windowBytes,
        long bytes,
        long bytesDone,
        long costPicoUsd,
        long executions,
        long hedges,
        long hedgesWon,
        long maxCostPicoUsd,
        Instant startedAt,
        String error,
        Map<String, Share> substrates,
        ObjectVersion version,
        int restarts,
        int maxRestarts) {

    /** One substrate's part: windows it answered first, their bytes, and what it was paid. */
    public record Share(long windows, long bytes, long costPicoUsd, long executions) {

        public Share plus(Share o) {
            return new Share(
                    windows + o.windows, bytes + o.bytes, costPicoUsd + o.costPicoUsd, executions + o.executions);
        }
    }

    public FanOutProgress {
        substrates = Map.copyOf(substrates);
    }

    public boolean running() {
        return state.equals("running");
    }

    /**
     * {@code verified} when an ETag or a Last-Modified pins its object, so no window of another
     * version is ever merged; {@code unverified} when its origin gave neither (docs/jobs.md).
     */
    public String consistency() {
        return version != null && version.validated() ? "verified" : "unverified";
    }

    /** The progress object of {@code GET /jobs/{id}}, also the result's {@code summary}. */
    public ObjectNode toJson() {
        ObjectNode node = JobJson.MAPPER.createObjectNode();
        node.put("state", state);
        node.put("op", op.wireName());
        node.put("windows", windows);
        node.put("windows_done", done);
        node.put("windows_queued", Math.max(0, issued - done));
        node.put("window_bytes", windowBytes);
        node.put("object_bytes", objectBytes);
        node.put("bytes", bytes);
        node.put("bytes_done", bytesDone);
        node.put("cost_usd", JobJson.usd(costPicoUsd));
        if (maxCostPicoUsd >= 0) {
            node.put("max_cost_usd", JobJson.usd(maxCostPicoUsd));
        }
        node.put("executions", executions);
        node.put("hedges", hedges);
        node.put("hedges_won", hedgesWon);
        node.put("started_at", startedAt.toString());
        if (version != null) {
            node.set("version", ProgramJson.write(version));
        }
        node.put("consistency", consistency());
        node.put("restarts", restarts);
        if (error != null) {
            node.put("error", error);
        }
        ObjectNode per = node.putObject("substrates");
        new TreeMap<>(substrates).forEach((name, s) -> {
            ObjectNode n = per.putObject(name);
            n.put("windows", s.windows());
            n.put("bytes", s.bytes());
            n.put("cost_usd", JobJson.usd(s.costPicoUsd()));
            n.put("executions", s.executions());
        });
        return node;
    }
}
