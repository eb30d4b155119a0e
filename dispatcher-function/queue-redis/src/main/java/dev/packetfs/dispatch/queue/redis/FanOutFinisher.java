package dev.packetfs.dispatch.queue.redis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.packetfs.dispatch.fanout.FanOutMerge;
import dev.packetfs.dispatch.fanout.FanOutProgress;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.kernel.ObjectVersion;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.ProgramJson;
import io.lettuce.core.KeyValue;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads fan-out records, and finishes parents: a {@code merge} entry in the stream (added by the
 * script that saw the parent's last window in, or its end) is taken like any delivery, by any
 * dispatcher; this reads the windows' answers, merges them in order with the kernel's merge and
 * stores the result with finish.lua, which acknowledges the entry. A dispatcher that dies first
 * leaves the entry pending, and another takes it over after the visibility timeout.
 */
final class FanOutFinisher {
    private static final Logger LOG = LoggerFactory.getLogger(FanOutFinisher.class);
    /** Answers read per HMGET: a parent may have hundreds of thousands. */
    private static final int CHUNK = 4096;

    static final String MERGE = "merge";

    private final RedisClusterAsyncCommands<String, String> commands;
    private final RedisKeys keys;
    private final QueueScripts scripts;
    private final Executor merging;

    FanOutFinisher(
            RedisClusterAsyncCommands<String, String> commands,
            RedisKeys keys,
            QueueScripts scripts,
            Executor merging) {
        this.commands = commands;
        this.keys = keys;
        this.scripts = scripts;
        this.merging = merging;
    }

    static boolean isMerge(StreamMessage<String, String> m) {
        return m.getBody().containsKey(MERGE);
    }

    /** Finishes each parent named by these entries; not awaited, and failures leave the entry for a takeover. */
    void finish(List<StreamMessage<String, String>> entries) {
        for (StreamMessage<String, String> m : entries) {
            String parent = m.getBody().get(MERGE);
            finish(parent, m.getId()).exceptionally(e -> {
                LOG.warn("finishing fan-out job {} failed; it is taken over later: {}", parent, e.toString());
                return null;
            });
        }
    }

    CompletableFuture<Void> finish(String parent, String entry) {
        long t0 = System.nanoTime();
        return progress(parent)
                .thenCompose(p -> {
                    if (p == null) {
                        return scripts.finish(parent, entry, ""); // finished already: only acknowledge
                    }
                    if (!p.state().equals("merging")) {
                        return scripts.finish(parent, entry, text(FanOutMerge.ended(p, Instant.now())));
                    }
                    return answers(parent, p.windows())
                            .thenApplyAsync(
                                    answers -> text(FanOutMerge.succeeded(
                                            p, answers, Duration.ofNanos(System.nanoTime() - t0), Instant.now())),
                                    merging)
                            .thenCompose(result -> scripts.finish(parent, entry, result));
                })
                .thenAccept(done -> LOG.debug("fan-out job {} finished", parent));
    }

    private static String text(JobResult r) {
        return JobJson.toText(JobJson.write(r));
    }

    /** Every window's answer, in window order (null where one is missing). */
    private CompletableFuture<List<JsonNode>> answers(String parent, long windows) {
        List<CompletableFuture<List<KeyValue<String, String>>>> chunks = new ArrayList<>();
        for (long from = 0; from < windows; from += CHUNK) {
            String[] fields = new String[(int) Math.min(CHUNK, windows - from)];
            for (int i = 0; i < fields.length; i++) {
                fields[i] = Long.toString(from + i);
            }
            chunks.add(commands.hmget(keys.fanOutWindows(parent), fields).toCompletableFuture());
        }
        return CompletableFuture.allOf(chunks.toArray(CompletableFuture[]::new))
                .thenApplyAsync(
                        done -> {
                            List<JsonNode> out = new ArrayList<>((int) windows);
                            for (CompletableFuture<List<KeyValue<String, String>>> chunk : chunks) {
                                for (KeyValue<String, String> kv : chunk.join()) {
                                    out.add(kv.hasValue() ? JobJson.readTree(kv.getValue()) : null);
                                }
                            }
                            return out;
                        },
                        merging);
    }

    /** A parent's progress, or null when no record of it is kept (never planned, or finished). */
    CompletableFuture<FanOutProgress> progress(String parent) {
        return commands.hgetall(keys.fanOut(parent))
                .toCompletableFuture()
                .thenApply(h -> h == null || h.isEmpty() ? null : read(parent, h));
    }

    static FanOutProgress read(String parent, Map<String, String> h) {
        Map<String, FanOutProgress.Share> shares = new HashMap<>();
        for (Map.Entry<String, String> e : h.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith("s:")) {
                continue;
            }
            int colon = k.lastIndexOf(':');
            String substrate = k.substring(2, colon);
            long v = Long.parseLong(e.getValue());
            FanOutProgress.Share one = switch (k.substring(colon + 1)) {
                case "windows" -> new FanOutProgress.Share(v, 0, 0, 0);
                case "bytes" -> new FanOutProgress.Share(0, v, 0, 0);
                case "cost" -> new FanOutProgress.Share(0, 0, v, 0);
                case "executions" -> new FanOutProgress.Share(0, 0, 0, v);
                default -> new FanOutProgress.Share(0, 0, 0, 0);
            };
            shares.merge(substrate, one, FanOutProgress.Share::plus);
        }
        long start = n(h, "start");
        long end = n(h, "end");
        return new FanOutProgress(
                parent,
                Op.fromWireName(h.get("op")),
                h.getOrDefault("state", "running"),
                n(h, "windows"),
                n(h, "next"),
                n(h, "done"),
                n(h, "object_bytes"),
                n(h, "window_bytes"),
                end - start,
                n(h, "bytes_done"),
                n(h, "cost"),
                n(h, "executions"),
                n(h, "hedges"),
                n(h, "hedges_won"),
                h.containsKey("max_cost") ? n(h, "max_cost") : -1,
                Instant.ofEpochMilli(n(h, "started_ms")),
                h.get("error"),
                shares,
                version(h.get("version")),
                (int) n(h, "restarts"),
                (int) n(h, "max_restarts"));
    }

    /** The version a record keeps as JSON ('' or absent: none). */
    private static ObjectVersion version(String json) {
        if (json == null || json.isEmpty()) {
            return null;
        }
        return ProgramJson.parseVersion(JobJson.readTree(json));
    }

    private static long n(Map<String, String> h, String field) {
        String v = h.get(field);
        return v == null || v.isEmpty() ? 0 : Long.parseLong(v);
    }
}
