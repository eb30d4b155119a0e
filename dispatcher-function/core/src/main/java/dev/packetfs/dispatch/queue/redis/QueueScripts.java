package dev.packetfs.dispatch.queue.redis;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.Envelope;
import dev.packetfs.dispatch.queue.QueueSettings;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The queue's Lua scripts (this package's {@code *.lua}) and the key and argument lists each takes.
 * Every multi-key step of the queue is one of these, so it is atomic, and on Redis Cluster its keys
 * share the {@code {packetfs}} slot ({@link RedisKeys}).
 */
final class QueueScripts {
    /** The consumer group every dispatcher reads the stream in. */
    static final String GROUP = "dispatchers";

    private static final LuaScript SUBMIT = LuaScript.load("submit");
    private static final LuaScript MOVE = LuaScript.load("move");
    private static final LuaScript BEGIN = LuaScript.load("begin");
    private static final LuaScript SETTLE = LuaScript.load("settle");
    private static final LuaScript PROMOTE = LuaScript.load("promote");

    private final RedisClusterAsyncCommands<String, String> commands;
    private final RedisKeys keys;
    private final QueueSettings settings;

    QueueScripts(RedisClusterAsyncCommands<String, String> commands, RedisKeys keys, QueueSettings settings) {
        this.commands = commands;
        this.keys = keys;
        this.settings = settings;
    }

    /**
     * submit.lua: adds each job unless its id is queued or finished; 1 queued, 0 not, per job; or
     * {@code {-2, jobs, bytes}} and nothing queued when the new jobs would pass the quota.
     */
    CompletableFuture<List<Long>> submit(List<ComputeJob> jobs) {
        List<String> k = new ArrayList<>(3 + 2 * jobs.size());
        List<String> a = new ArrayList<>(3 + jobs.size());
        k.addAll(List.of(keys.stream(), keys.delayed(), keys.queuedBytes()));
        a.addAll(List.of(Long.toString(settings.resultTtl().toSeconds()), Long.toString(settings.maxJobs()),
                Long.toString(settings.maxBytes())));
        for (ComputeJob job : jobs) {
            k.add(keys.job(job.jobId()));
            k.add(keys.result(job.jobId()));
            a.add(JobJson.toText(JobJson.write(job)));
        }
        return SUBMIT.run(commands, ScriptOutputType.MULTI, k, a);
    }

    /**
     * move.lua: up to {@code batch} LPUSHed jobs from the ingress list into the stream, within the
     * quota; {moved, 1 when the quota stopped it with jobs left in the list}.
     */
    CompletableFuture<List<Long>> move(int batch) {
        return MOVE.run(commands, ScriptOutputType.MULTI,
                List.of(keys.ingress(), keys.moving(), keys.stream(), keys.delayed(), keys.queuedBytes()),
                List.of(Integer.toString(batch), Long.toString(settings.maxJobs()), Long.toString(settings.maxBytes())));
    }

    /** begin.lua over these deliveries: 1 run, 0 finished already, -1 a duplicate submission. */
    CompletableFuture<List<Long>> begin(List<Delivery> deliveries) {
        List<String> k = new ArrayList<>(2 + 2 * deliveries.size());
        List<String> a = new ArrayList<>(2 + 3 * deliveries.size());
        k.add(keys.stream());
        k.add(keys.queuedBytes());
        a.add(GROUP);
        a.add(Long.toString(settings.resultTtl().toSeconds()));
        for (Delivery d : deliveries) {
            k.add(keys.job(d.jobId()));
            k.add(keys.result(d.jobId()));
            a.add(d.handle());
            a.add(d.token());
            a.add(Long.toString(Envelope.utf8Length(d.rawJob())));
        }
        return BEGIN.run(commands, ScriptOutputType.MULTI, k, a);
    }

    /** promote.lua: due retries back into the stream; {promoted, ms until the next is due or -1}. */
    CompletableFuture<List<Long>> promote(int batch) {
        return PROMOTE.run(commands, ScriptOutputType.MULTI, List.of(keys.delayed(), keys.stream()),
                List.of(Integer.toString(batch)));
    }

    Settle settle() {
        return new Settle();
    }

    /** One settle.lua call: acknowledges each delivery and stores its result, retry or dead letter with it. */
    final class Settle {
        private final List<String> k = new ArrayList<>();
        private final List<String> a = new ArrayList<>();

        private Settle() {
            k.addAll(List.of(keys.stream(), keys.delayed(), keys.dead(), keys.metrics(), keys.statsIndex(),
                    keys.queuedBytes()));
            a.addAll(List.of(GROUP, Long.toString(settings.resultTtl().toSeconds()),
                    Integer.toString(settings.metricsKept()), Long.toString(settings.resultTtl().toSeconds()),
                    Integer.toString(settings.deadLettersKept())));
        }

        /**
         * @param kind {@code done}, {@code retry} or {@code dead}
         * @param payload the result (done, dead) or the retry's envelope
         * @param extra the dead letter, or the retry's delay in ms
         * @param job the job's JSON as queued, whose bytes leave the quota when it is done or dead
         */
        Settle add(String kind, String handle, String jobId, String payload, String extra, int attempts, ExecutionRecord r,
                String job) {
            // An invalid job may have no id: its (unused) keys then name no job.
            String id = jobId == null ? "" : jobId;
            k.add(keys.job(id));
            k.add(keys.result(id));
            k.add(keys.stats(r == null ? "none" : r.substrate()));
            a.add(kind);
            a.add(handle);
            a.add(payload);
            a.add(extra);
            a.add(Integer.toString(attempts));
            a.add(r == null ? "" : JobJson.toText(r.toJson()));
            a.add(r == null ? "" : r.ok() ? "ok" : r.throttled() ? "throttle" : "fail");
            a.add(r == null ? "0" : Long.toString(r.costPicoUsd()));
            a.add(r == null ? "0" : Long.toString(r.bytes()));
            a.add(r == null ? "0" : Long.toString(r.latencyMs()));
            a.add(Long.toString(Envelope.utf8Length(job)));
            return this;
        }

        CompletableFuture<Void> run() {
            return SETTLE.<Long>run(commands, ScriptOutputType.INTEGER, k, a).thenApply(settled -> null);
        }
    }
}
