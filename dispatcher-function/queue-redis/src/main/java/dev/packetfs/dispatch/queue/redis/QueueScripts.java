package dev.packetfs.dispatch.queue.redis;

import dev.packetfs.dispatch.fanout.FanOutLimits;
import dev.packetfs.dispatch.fanout.WindowPlan;
import dev.packetfs.dispatch.fanout.WindowTemplate;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.WindowRef;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.ledger.LatencyHistogram;
import dev.packetfs.dispatch.ledger.SeriesResolution;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.Envelope;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.kernel.ProgramJson;
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
    private static final LuaScript PLAN = LuaScript.load("plan");
    private static final LuaScript CANCEL = LuaScript.load("cancel");
    private static final LuaScript PLANNING = LuaScript.load("planning");
    private static final LuaScript HEDGE = LuaScript.load("hedge");
    private static final LuaScript FINISH = LuaScript.load("finish");
    private static final LuaScript REQUEUE = LuaScript.load("requeue");

    private final RedisClusterAsyncCommands<String, String> commands;
    private final RedisKeys keys;
    private final QueueSettings settings;

    QueueScripts(RedisClusterAsyncCommands<String, String> commands, RedisKeys keys, QueueSettings settings) {
        this.commands = commands;
        this.keys = keys;
        this.settings = settings;
    }

    private String ttl() {
        return Long.toString(settings.resultTtl().toSeconds());
    }

    /**
     * submit.lua: adds each job unless its id is queued or finished; 1 queued, 0 not, per job; or
     * {@code {-2, jobs, bytes}} and nothing queued when the new jobs would pass the quota.
     */
    CompletableFuture<List<Long>> submit(List<ComputeJob> jobs) {
        List<String> k = new ArrayList<>(3 + 2 * jobs.size());
        List<String> a = new ArrayList<>(3 + jobs.size());
        k.addAll(List.of(keys.stream(), keys.delayed(), keys.queuedBytes()));
        a.addAll(List.of(ttl(), Long.toString(settings.maxJobs()), Long.toString(settings.maxBytes())));
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
        return MOVE.run(
                commands,
                ScriptOutputType.MULTI,
                List.of(keys.ingress(), keys.moving(), keys.stream(), keys.delayed(), keys.queuedBytes()),
                List.of(
                        Integer.toString(batch),
                        Long.toString(settings.maxJobs()),
                        Long.toString(settings.maxBytes())));
    }

    /** begin.lua over these deliveries: 1 run, 0 finished already (or a window not wanted), -1 a duplicate. */
    CompletableFuture<List<Long>> begin(List<Delivery> deliveries) {
        List<String> k = new ArrayList<>(2 + 4 * deliveries.size());
        List<String> a = new ArrayList<>(2 + 6 * deliveries.size());
        k.add(keys.stream());
        k.add(keys.queuedBytes());
        a.add(GROUP);
        a.add(ttl());
        for (Delivery d : deliveries) {
            WindowRef w = d.job().window();
            String parent = w == null ? "" : w.parent();
            k.add(keys.job(d.jobId()));
            k.add(keys.result(d.jobId()));
            k.add(keys.fanOut(parent));
            k.add(keys.fanOutWindows(parent));
            a.add(d.handle());
            a.add(d.token());
            a.add(Long.toString(Envelope.utf8Length(d.rawJob())));
            a.add(parent);
            a.add(w == null ? "" : Long.toString(w.index()));
            a.add(w == null ? "" : Integer.toString(w.plan()));
        }
        return BEGIN.run(commands, ScriptOutputType.MULTI, k, a);
    }

    /** promote.lua: due retries back into the stream; {promoted, ms until the next is due or -1}. */
    CompletableFuture<List<Long>> promote(int batch) {
        return PROMOTE.run(
                commands,
                ScriptOutputType.MULTI,
                List.of(keys.delayed(), keys.stream()),
                List.of(Integer.toString(batch)));
    }

    /** plan.lua: keeps a fan-out job's record, queues its first windows, acknowledges it; 1 when planned now. */
    CompletableFuture<Long> plan(Delivery parent, WindowPlan plan, FanOutLimits limits) {
        List<String> a = planArgs(parent, "");
        WindowTemplate template = WindowTemplate.of(parent.job(), plan.version(), parent.restarts());
        addField(a, "tpl", JobJson.toText(JobJson.MAPPER.valueToTree(template.pieces())));
        addField(a, "version", plan.version() == null ? "" : JobJson.toText(ProgramJson.write(plan.version())));
        addField(a, "max_restarts", limits.maxRestarts());
        addField(a, "job", parent.rawJob());
        addField(a, "token", parent.token());
        addField(a, "op", plan.op().wireName());
        addField(a, "windows", plan.windows());
        addField(a, "start", plan.start());
        addField(a, "end", plan.end());
        addField(a, "window_bytes", plan.windowBytes());
        addField(a, "object_bytes", plan.objectBytes());
        addField(a, "cap", limits.maxOutstanding());
        addField(a, "chained", limits.chained() ? "1" : "0");
        addField(a, "fnv_next", limits.firstFnvState() == null ? "" : limits.firstFnvState());
        addField(a, "max_cost", limits.maxCostPicoUsd());
        addField(a, "est", limits.estimatePicoUsd());
        return PLAN.run(commands, ScriptOutputType.INTEGER, planKeys(parent.jobId()), a);
    }

    /** plan.lua for a restart that cannot be planned: the parent ends as failed with {@code error}. */
    CompletableFuture<Long> unplannable(Delivery parent, String error) {
        return PLAN.run(commands, ScriptOutputType.INTEGER, planKeys(parent.jobId()), planArgs(parent, error));
    }

    private List<String> planKeys(String id) {
        return List.of(
                keys.stream(),
                keys.queuedBytes(),
                keys.job(id),
                keys.result(id),
                keys.fanOut(id),
                keys.fanOutsActive());
    }

    private List<String> planArgs(Delivery parent, String error) {
        return new ArrayList<>(List.of(
                GROUP,
                parent.handle(),
                Long.toString(Envelope.utf8Length(parent.rawJob())),
                ttl(),
                parent.jobId(),
                Integer.toString(parent.restarts()),
                error));
    }

    private static void addField(List<String> args, String name, Object value) {
        args.add(name);
        args.add(String.valueOf(value));
    }

    /** planning.lua: the parent's hash says {@code planning} (or {@code running} again), when this delivery owns it. */
    CompletableFuture<Long> planning(Delivery parent, boolean on) {
        return PLANNING.run(
                commands,
                ScriptOutputType.INTEGER,
                List.of(keys.job(parent.jobId())),
                List.of(parent.token(), on ? "running" : "planning", on ? "planning" : "running"));
    }

    /** cancel.lua: {@code cancelling}, {@code cancelled}, {@code running}, {@code finished} or {@code unknown}. */
    CompletableFuture<String> cancel(String jobId, String cancelledResult) {
        return CANCEL.run(
                commands,
                ScriptOutputType.VALUE,
                List.of(keys.stream(), keys.job(jobId), keys.result(jobId), keys.fanOut(jobId), keys.queuedBytes()),
                List.of(jobId, cancelledResult, ttl(), GROUP));
    }

    /** hedge.lua: 1 when the duplicate was queued. */
    CompletableFuture<Long> hedge(WindowRef window, Envelope.Hedge hedge, double afterFraction) {
        return HEDGE.run(
                commands,
                ScriptOutputType.INTEGER,
                List.of(
                        keys.stream(),
                        keys.queuedBytes(),
                        keys.fanOut(window.parent()),
                        keys.fanOutWindows(window.parent())),
                List.of(
                        Long.toString(window.index()),
                        hedge.envelope(),
                        Long.toString(hedge.jobBytes()),
                        Double.toString(afterFraction),
                        Integer.toString(window.plan())));
    }

    /** finish.lua: the parent's result stored, its record gone, the merge entry acknowledged. */
    CompletableFuture<Long> finish(String parentId, String mergeEntry, String resultJson) {
        return FINISH.run(
                commands,
                ScriptOutputType.INTEGER,
                List.of(
                        keys.stream(),
                        keys.result(parentId),
                        keys.job(parentId),
                        keys.fanOut(parentId),
                        keys.fanOutWindows(parentId),
                        keys.fanOutsActive()),
                List.of(GROUP, mergeEntry, resultJson, ttl(), parentId));
    }

    /** requeue.lua: 1 queued, 0 no such dead letter, -1 the job is queued or running already. */
    CompletableFuture<Long> requeue(String deadLetterId, String jobId, String jobJson) {
        return REQUEUE.run(
                commands,
                ScriptOutputType.INTEGER,
                List.of(keys.dead(), keys.stream(), keys.queuedBytes(), keys.job(jobId), keys.result(jobId)),
                List.of(deadLetterId, jobJson, ttl()));
    }

    Settle settle() {
        return new Settle();
    }

    /**
     * What settle.lua needs of a window: its parent, index, plan and whether it is a hedge, its
     * answer ('' when it failed), the error its parent fails with, (chained fnv64) the next state,
     * and whether it found its object changed.
     */
    record WindowArgs(WindowRef ref, String answer, String error, String nextFnv, boolean changed) {}

    /** One settle.lua call: acknowledges each delivery and stores its result, retry or dead letter with it. */
    final class Settle {
        private final List<String> k = new ArrayList<>();
        private final List<String> a = new ArrayList<>();

        private Settle() {
            long now = System.currentTimeMillis() / 1000;
            k.addAll(List.of(
                    keys.stream(),
                    keys.delayed(),
                    keys.dead(),
                    keys.metrics(),
                    keys.statsIndex(),
                    keys.queuedBytes(),
                    keys.series(SeriesResolution.TEN_SECONDS, SeriesResolution.TEN_SECONDS.period(now)),
                    keys.series(SeriesResolution.MINUTE, SeriesResolution.MINUTE.period(now))));
            a.addAll(List.of(
                    GROUP,
                    ttl(),
                    Integer.toString(settings.metricsKept()),
                    ttl(),
                    Integer.toString(settings.deadLettersKept()),
                    Long.toString(SeriesResolution.TEN_SECONDS.kept().toSeconds()),
                    Long.toString(SeriesResolution.MINUTE.kept().toSeconds())));
        }

        /**
         * @param kind {@code done}, {@code retry} or {@code dead}
         * @param payload the result (done, dead) or the retry's envelope
         * @param extra the dead letter, or the retry's delay in ms
         * @param job the job's JSON as queued, whose bytes leave the quota when it is done or dead
         * @param window for a window of a fan-out job; null otherwise
         */
        Settle add(
                String kind,
                String handle,
                String jobId,
                String payload,
                String extra,
                int attempts,
                ExecutionRecord r,
                String job,
                WindowArgs window) {
            // An invalid job may have no id: its (unused) keys then name no job.
            String id = jobId == null ? "" : jobId;
            String parent = window == null ? "" : window.ref().parent();
            k.add(keys.job(id));
            k.add(keys.result(id));
            k.add(keys.stats(r == null ? "none" : r.substrate()));
            k.add(keys.fanOut(parent));
            k.add(keys.fanOutWindows(parent));
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
            a.add(r == null ? "none" : r.substrate());
            a.add(r == null ? "0" : Integer.toString(LatencyHistogram.bucket(r.latencyMs())));
            a.add(parent);
            a.add(window == null ? "" : Long.toString(window.ref().index()));
            a.add(window != null && window.ref().hedge() ? "1" : "0");
            a.add(window == null ? "" : window.answer());
            a.add(window == null ? "" : window.error());
            a.add(window == null ? "" : window.nextFnv());
            a.add(window == null ? "" : Integer.toString(window.ref().plan()));
            a.add(window != null && window.changed() ? "1" : "0");
            return this;
        }

        boolean isEmpty() {
            return k.size() == 8;
        }

        CompletableFuture<Void> run() {
            return SETTLE.<Long>run(commands, ScriptOutputType.INTEGER, k, a).thenApply(settled -> null);
        }
    }
}
