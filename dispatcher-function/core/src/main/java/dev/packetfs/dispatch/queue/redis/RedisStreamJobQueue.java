package dev.packetfs.dispatch.queue.redis;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.fanout.FanOutMerge;
import dev.packetfs.dispatch.fanout.FanOutProgress;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.job.WindowRef;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.ledger.LedgerSnapshot;
import dev.packetfs.dispatch.ledger.SeriesBucket;
import dev.packetfs.dispatch.ledger.SeriesResolution;
import dev.packetfs.dispatch.ledger.SubstrateTotals;
import dev.packetfs.dispatch.queue.CancelOutcome;
import dev.packetfs.dispatch.queue.DeadLetter;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.Envelope;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.JobRequeueException;
import dev.packetfs.dispatch.queue.JobStatus;
import dev.packetfs.dispatch.queue.QueueDepth;
import dev.packetfs.dispatch.queue.QueueFullException;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.queue.QueueUnavailableException;
import dev.packetfs.dispatch.queue.Settlement;
import dev.packetfs.dispatch.queue.SubmitOutcome;
import dev.packetfs.kernel.Op;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisException;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.models.stream.PendingMessage;
import io.lettuce.core.models.stream.PendingMessages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job queue on Redis: a stream with one consumer group shared by every dispatcher.
 *
 * <ul>
 *   <li>Ingress: {@link #submit} adds to the stream directly (submit.lua, which deduplicates by job
 *       id); jobs LPUSHed onto {@code packetfs:jobs:queue} are moved into the stream by the
 *       {@link IngressMover}.
 *   <li>Delivery: XREADGROUP (blocking, on its own connection). A delivery stays in the group's
 *       pending list until settled; XAUTOCLAIM hands deliveries idle past the visibility timeout
 *       (their dispatcher died or lost its connection) to a live dispatcher. Live dispatchers
 *       extend their long-running deliveries with XCLAIM JUSTID.
 *   <li>Settlement: one script per batch acknowledges each delivery and, in the same atomic step,
 *       stores its result, queues its retry in a delayed set or writes its dead letter.
 *       Acknowledging is the guard that makes settling idempotent.
 *   <li>Retries wait in {@code packetfs:jobs:delayed} (scored by due time) and are moved back by a
 *       script that uses the server's clock.
 * </ul>
 *
 * The scripts and their arguments are {@link QueueScripts}; docs/redis-keys.md describes every key.
 * Redis failures reach callers as {@link QueueUnavailableException}.
 */
public final class RedisStreamJobQueue implements JobQueue {
    /** The field submit.lua adds to entries it deduplicated. */
    private static final String CHECKED = "checked";
    private static final Logger LOG = LoggerFactory.getLogger(RedisStreamJobQueue.class);
    private static final int PROMOTE_BATCH = 1000;

    private final RedisKeys keys;
    private final QueueSettings settings;
    private final Consumer<String> consumer;
    private final RedisClusterAsyncCommands<String, String> commands;
    private final QueueScripts scripts;
    private final RedisConnections.Blocking reader;
    private final ScheduledExecutorService maintenance;
    private final long sweepIntervalNanos;
    private long nextSweep;
    private final IngressMover mover;
    private final FanOutFinisher finisher;
    private volatile boolean closed;
    private final java.util.function.BooleanSupplier connected;

    /**
     * @param consumerName unique per dispatcher process: the group tracks deliveries by it
     */
    public RedisStreamJobQueue(RedisConnections redis, QueueSettings settings, String consumerName) {
        this.keys = redis.keys();
        this.settings = settings;
        this.consumer = Consumer.from(QueueScripts.GROUP, consumerName);
        this.commands = redis.commands();
        this.connected = redis::connected;
        this.scripts = new QueueScripts(commands, keys, settings);
        this.reader = redis.openBlocking();
        createGroup();
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "packetfs-queue-maintenance"));
        this.sweepIntervalNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(50), settings.visibilityTimeout().toNanos() / 2);
        this.nextSweep = System.nanoTime();
        maintenance.execute(this::promoteAndReschedule);
        this.mover = new IngressMover(redis, scripts, settings.blockTimeout());
        this.finisher = new FanOutFinisher(commands, keys, scripts, maintenance);
    }

    private void createGroup() {
        try {
            // From the start of the stream: entries added before any dispatcher existed count too.
            commands.xgroupCreate(XReadArgs.StreamOffset.from(keys.stream(), "0"), QueueScripts.GROUP,
                    XGroupCreateArgs.Builder.mkstream()).toCompletableFuture().get(RedisReplies.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof RedisBusyException) && !String.valueOf(e.getCause().getMessage()).startsWith("BUSYGROUP")) {
                throw RedisReplies.unavailable(e.getCause());
            } // else another dispatcher created it
        } catch (InterruptedException | TimeoutException e) {
            throw RedisReplies.unavailable(new RedisException("creating the consumer group: " + e, e));
        }
    }

    @Override
    public String backend() {
        return "redis";
    }

    /**
     * For the calls a client waits on (the HTTP API, /health, a producer): while Redis is known to
     * be unreachable ({@link RedisConnections#connected}) they fail at once, so the client hears
     * 503 and when to try again instead of waiting out the command timeout. The dispatcher's own
     * reads and settlements do not ask: they wait in Lettuce's buffer for the reconnection, so
     * nothing taken is lost.
     */
    private void requireConnected() {
        if (!connected.getAsBoolean()) {
            throw new QueueUnavailableException("Redis is unreachable: the connection is down and reconnecting", null);
        }
    }

    // -- ingress ------------------------------------------------------------------------------

    @Override
    public List<SubmitOutcome> submit(List<ComputeJob> jobs) {
        return RedisReplies.await(submitAsync(jobs));
    }

    /** {@link #submit} without blocking: for producers that keep many submissions in flight. */
    public CompletableFuture<List<SubmitOutcome>> submitAsync(List<ComputeJob> jobs) {
        requireConnected();
        if (jobs.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        return scripts.submit(jobs).thenApply(queued -> {
            if (queued.get(0) == -2L) {
                throw new QueueFullException("the queue is full: it holds " + queued.get(1) + " jobs and " + queued.get(2)
                        + " bytes of jobs, and takes at most " + settings.maxJobs() + " jobs and " + settings.maxBytes()
                        + " bytes (packetfs.queue.max-jobs, packetfs.queue.max-bytes); nothing of this submission was queued");
            }
            List<SubmitOutcome> out = new ArrayList<>(jobs.size());
            for (int i = 0; i < jobs.size(); i++) {
                out.add(new SubmitOutcome(jobs.get(i).jobId(), queued.get(i) == 1L));
            }
            return out;
        });
    }

    @Override
    public void pushRaw(String jobJson) {
        requireConnected();
        RedisReplies.await(commands.lpush(keys.ingress(), jobJson));
    }

    // -- delivery -----------------------------------------------------------------------------

    /*
     * Taking is not thread-safe: one taker per queue, one take at a time. Before it blocks for new
     * entries it takes over deliveries whose visibility lapsed (a sweep at most every half
     * visibility timeout), and it never blocks past the next sweep. The asynchronous form never
     * blocks a thread: it may run on the Redis I/O thread, where waiting for a reply would wait
     * for itself.
     */

    @Override
    public List<Delivery> take(int max, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!closed) {
            List<Delivery> got;
            try {
                got = takeAsync(max, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))
                        .get(wait.toMillis() + 30_000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw RedisReplies.unavailable(e.getCause());
            } catch (TimeoutException e) {
                throw new QueueUnavailableException("Redis did not answer a read in time", e);
            }
            if (!got.isEmpty() || System.nanoTime() - deadline >= 0) {
                return got;
            }
        }
        return List.of();
    }

    /**
     * One read: deliveries whose visibility lapsed if a sweep is due and finds some, else new
     * entries, waiting up to {@code wait} (cut short at the next sweep) for the first to arrive.
     */
    @Override
    public CompletableFuture<List<Delivery>> takeAsync(int max, Duration wait) {
        if (closed) {
            return CompletableFuture.completedFuture(List.of());
        }
        long now = System.nanoTime();
        if (now - nextSweep >= 0) {
            return reclaim(max).thenCompose(claimed -> {
                // A full batch may mean more are waiting: sweep again on the next call.
                nextSweep = claimed.size() < max ? now + sweepIntervalNanos : now;
                return claimed.isEmpty() ? read(max, wait, now) : CompletableFuture.completedFuture(claimed);
            });
        }
        return read(max, wait, now);
    }

    private CompletableFuture<List<Delivery>> read(int max, Duration wait, long now) {
        long block = Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(wait.toNanos(), nextSweep - now)));
        return reader.async().xreadgroup(consumer, XReadArgs.Builder.count(max).block(block),
                        XReadArgs.StreamOffset.lastConsumed(keys.stream()))
                .toCompletableFuture()
                .handle((messages, error) -> {
                    if (error != null && !closed) {
                        throw error instanceof CompletionException c ? c : new CompletionException(error);
                    }
                    return messages == null ? List.<StreamMessage<String, String>>of() : messages;
                })
                .thenCompose(this::beginFresh);
    }

    /**
     * Entries delivered for the first time. Those written by {@link #submit} were deduplicated
     * there, so begin.lua is sent for them but not awaited: on this connection it reaches Redis
     * before their settlement can. Raw LPUSHed jobs and retries may be duplicates or finished
     * already, so for them the verdict is awaited, as for redeliveries.
     */
    private CompletableFuture<List<Delivery>> beginFresh(List<StreamMessage<String, String>> messages) {
        List<StreamMessage<String, String>> checked = new ArrayList<>(messages.size());
        List<StreamMessage<String, String>> unchecked = new ArrayList<>();
        for (StreamMessage<String, String> m : messages) {
            (m.getBody().containsKey(CHECKED) ? checked : unchecked).add(m);
        }
        List<Delivery> started = decode(checked);
        if (!started.isEmpty()) {
            scripts.begin(started).exceptionally(e -> {
                LOG.warn("recording {} deliveries as running failed: {}", started.size(), e.toString());
                return null;
            });
        }
        if (unchecked.isEmpty()) {
            return CompletableFuture.completedFuture(started);
        }
        return begin(unchecked).thenApply(more -> {
            List<Delivery> all = new ArrayList<>(started);
            all.addAll(more);
            return all;
        });
    }

    /**
     * Decodes entries; those that are not runnable jobs are settled (not awaited) and left out,
     * and the merge entries of fan-out jobs are handed to the {@link FanOutFinisher}.
     */
    private List<Delivery> decode(List<StreamMessage<String, String>> messages) {
        List<Delivery> candidates = new ArrayList<>(messages.size());
        List<Envelope.Invalid> invalid = new ArrayList<>();
        List<StreamMessage<String, String>> merges = new ArrayList<>();
        for (StreamMessage<String, String> m : messages) {
            if (FanOutFinisher.isMerge(m)) {
                merges.add(m);
                continue;
            }
            Object read = Envelope.read(m.getId(), m.getBody());
            if (read instanceof Delivery d) {
                candidates.add(d);
            } else {
                invalid.add((Envelope.Invalid) read);
            }
        }
        if (!invalid.isEmpty()) {
            settleInvalid(invalid, false);
        }
        if (!merges.isEmpty()) {
            finisher.finish(merges);
        }
        return candidates;
    }

    /** Decodes entries, settles the invalid ones, and keeps those begin.lua says to run. */
    private CompletableFuture<List<Delivery>> begin(List<StreamMessage<String, String>> messages) {
        List<Delivery> candidates = decode(messages);
        if (candidates.isEmpty()) {
            return CompletableFuture.completedFuture(candidates);
        }
        return scripts.begin(candidates).thenApply(verdicts -> {
            List<Delivery> run = new ArrayList<>(candidates.size());
            for (int i = 0; i < candidates.size(); i++) {
                if (verdicts.get(i) == 1L) {
                    run.add(candidates.get(i));
                }
            }
            return run;
        });
    }

    @Override
    public void extend(List<Delivery> inFlight) {
        if (inFlight.isEmpty()) {
            return;
        }
        String[] ids = inFlight.stream().map(Delivery::handle).toArray(String[]::new);
        RedisReplies.await(commands.xclaim(keys.stream(), consumer, XClaimArgs.Builder.justid().minIdleTime(0), ids));
    }

    /** Takes over deliveries whose consumer stopped extending them: it died, or lost Redis. */
    private CompletableFuture<List<Delivery>> reclaim(int max) {
        return commands.xautoclaim(keys.stream(),
                        XAutoClaimArgs.Builder.xautoclaim(consumer, settings.visibilityTimeout(), "0-0").count(max))
                .toCompletableFuture()
                .thenCompose(claimed -> {
                    List<StreamMessage<String, String>> messages = claimed.getMessages();
                    if (messages.isEmpty()) {
                        return CompletableFuture.completedFuture(List.<Delivery>of());
                    }
                    LOG.info("took over {} deliveries idle for more than {}", messages.size(),
                            settings.visibilityTimeout());
                    return dropCrashLoops(messages).thenCompose(this::begin);
                });
    }

    /**
     * An entry delivered again and again without ever being settled is likely killing the
     * dispatchers that take it; after {@code maxDeliveries} it is dead-lettered instead.
     */
    private CompletableFuture<List<StreamMessage<String, String>>> dropCrashLoops(
            List<StreamMessage<String, String>> messages) {
        List<CompletableFuture<List<PendingMessage>>> counts = new ArrayList<>(messages.size());
        for (StreamMessage<String, String> m : messages) {
            counts.add(commands.xpending(keys.stream(), QueueScripts.GROUP, Range.create(m.getId(), m.getId()), Limit.from(1))
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<StreamMessage<String, String>> keep = new ArrayList<>(messages.size());
            List<Envelope.Invalid> crashing = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                StreamMessage<String, String> m = messages.get(i);
                List<PendingMessage> pending = counts.get(i).join();
                long deliveries = pending.isEmpty() ? 0 : pending.get(0).getRedeliveryCount();
                // A merge entry is arithmetic over a bounded record, not a job: it is kept.
                if (deliveries > settings.maxDeliveries() && !FanOutFinisher.isMerge(m)) {
                    Object read = Envelope.read(m.getId(), m.getBody());
                    String raw = read instanceof Delivery d ? d.rawJob() : ((Envelope.Invalid) read).raw();
                    String token = read instanceof Delivery d ? d.token() : ((Envelope.Invalid) read).token();
                    crashing.add(new Envelope.Invalid(m.getId(), token, Envelope.usableJobId(raw),
                            "delivered " + deliveries + " times and never settled: it may be crashing dispatchers", raw));
                } else {
                    keep.add(m);
                }
            }
            if (!crashing.isEmpty()) {
                settleInvalid(crashing, true);
            }
            return keep;
        });
    }

    // -- settlement ---------------------------------------------------------------------------

    @Override
    public void settle(List<Settlement> settlements) {
        RedisReplies.await(settleAsync(settlements));
    }

    @Override
    public CompletionStage<Void> settleAsync(List<Settlement> settlements) {
        if (settlements.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        QueueScripts.Settle call = scripts.settle();
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (Settlement s : settlements) {
            Delivery d = s.delivery();
            ExecutionRecord r = s.record();
            QueueScripts.WindowArgs w = windowArgs(s);
            if (s instanceof Settlement.Planned planned) {
                writes.add(scripts.plan(d, planned.plan(), planned.limits()));
            } else if (s instanceof Settlement.Unplannable unplannable) {
                writes.add(scripts.unplannable(d, unplannable.error()));
            } else if (s instanceof Settlement.Done done) {
                call.add("done", d.handle(), d.jobId(), w != null ? "" : JobJson.toText(JobJson.write(done.result())), "",
                        d.attempts(), r, d.rawJob(), w);
            } else if (s instanceof Settlement.Retry retry) {
                call.add("retry", d.handle(), d.jobId(), Envelope.retry(d, retry),
                        Long.toString(retry.delay().toMillis()), d.attempts() + (retry.burnsAttempt() ? 1 : 0), r,
                        d.rawJob(), w);
            } else if (s instanceof Settlement.Dead dead) {
                call.add("dead", d.handle(), d.jobId(), w != null ? "" : JobJson.toText(JobJson.write(dead.result())),
                        JobJson.toText(JobJson.MAPPER.valueToTree(
                                Envelope.dead(d.jobId(), d.rawJob(), dead.result().attempts(), dead.errors()))),
                        dead.result().attempts(), r, d.rawJob(), w);
            }
        }
        boolean retries = settlements.stream().anyMatch(s -> s instanceof Settlement.Retry);
        if (!call.isEmpty()) {
            writes.add(call.run());
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenRun(() -> {
            if (retries && !closed) {
                maintenance.execute(this::promoteAndReschedule);
            }
        });
    }

    /** What settle.lua needs of a window's settlement; null for a job that is no window. */
    private static QueueScripts.WindowArgs windowArgs(Settlement s) {
        Delivery d = s.delivery();
        WindowRef ref = d.job().window();
        if (ref == null || s instanceof Settlement.Planned || s instanceof Settlement.Unplannable) {
            return null;
        }
        if (s instanceof Settlement.Done done && done.result().succeeded()) {
            ObjectNode answer = done.result().result();
            String next = d.job().program().op() == Op.FNV64 ? answer.path("hash").asText("") : "";
            return new QueueScripts.WindowArgs(ref, JobJson.toText(answer), "", next, false);
        }
        if (s instanceof Settlement.Done done && done.objectChanged()) {
            return new QueueScripts.WindowArgs(ref, "", FanOutMerge.windowFoundChanged(d.job(), done.result().error()), "", true);
        }
        String error = s instanceof Settlement.Done done ? done.result().error()
                : s instanceof Settlement.Dead dead ? dead.result().error() : "";
        return new QueueScripts.WindowArgs(ref, "", FanOutMerge.windowFailed(d.job(), error), "", false);
    }

    /** Invalid jobs with a usable id get a failed result; the rest go to the dead-letter stream. */
    private void settleInvalid(List<Envelope.Invalid> invalid, boolean alwaysDeadLetter) {
        QueueScripts.Settle call = scripts.settle();
        for (Envelope.Invalid bad : invalid) {
            String error = "invalid job: " + bad.error();
            String result = bad.jobId() == null ? ""
                    : JobJson.toText(JobJson.write(JobResult.failed(bad.jobId(), null, 0, 0, error)));
            QueueScripts.WindowArgs window = invalidWindow(bad);
            if (bad.jobId() != null && !alwaysDeadLetter) {
                call.add("done", bad.handle(), bad.jobId(), result, "", 0, null, bad.raw(), null);
            } else {
                String dead = JobJson.toText(JobJson.MAPPER.valueToTree(Envelope.dead(
                        window != null ? window.ref().jobId() : bad.jobId(), bad.raw(), 0, List.of(error))));
                call.add("dead", bad.handle(), window != null ? window.ref().jobId() : bad.jobId(), result, dead, 0, null,
                        bad.raw(), window);
            }
            LOG.warn("job {} settled as invalid: {}", bad.jobId() == null ? bad.handle() : bad.jobId(), bad.error());
        }
        // Not awaited (this may run on the Redis I/O thread); settling again later is harmless.
        call.run().exceptionally(e -> {
            LOG.warn("settling {} invalid jobs failed; they will be delivered again: {}", invalid.size(), e.toString());
            return null;
        });
    }

    /** A window that keeps crashing dispatchers fails its parent; null when {@code bad} is no window. */
    private static QueueScripts.WindowArgs invalidWindow(Envelope.Invalid bad) {
        try {
            ComputeJob job = JobJson.parse(bad.raw());
            return job.window() == null ? null
                    : new QueueScripts.WindowArgs(job.window(), "", FanOutMerge.windowFailed(job, bad.error()), "", false);
        } catch (RuntimeException notAJob) {
            return null;
        }
    }

    // -- retries ------------------------------------------------------------------------------

    @Override
    public Duration promoteDueRetries() {
        Duration next = null;
        while (true) {
            List<Long> out = RedisReplies.await(scripts.promote(PROMOTE_BATCH));
            next = out.get(1) < 0 ? null : Duration.ofMillis(out.get(1));
            if (out.get(0) < PROMOTE_BATCH) {
                return next;
            }
        }
    }

    /**
     * Promotes due retries, then sleeps until the next one is due, or at most a second: another
     * dispatcher may queue an earlier retry, and a dispatcher that died leaves its retries to us.
     */
    private void promoteAndReschedule() {
        if (closed) {
            return;
        }
        long waitMs = 1000;
        try {
            Duration next = promoteDueRetries();
            if (next != null) {
                waitMs = Math.min(waitMs, Math.max(1, next.toMillis()));
            }
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warn("promoting due retries failed: {}", e.toString());
            }
        }
        if (!closed) {
            maintenance.schedule(this::promoteAndReschedule, waitMs, TimeUnit.MILLISECONDS);
        }
    }

    // -- queries ------------------------------------------------------------------------------

    @Override
    public Optional<JobResult> result(String jobId) {
        requireConnected();
        String text = RedisReplies.await(commands.get(keys.result(jobId)));
        return text == null ? Optional.empty() : Optional.of(JobJson.readResult(JobJson.readTree(text)));
    }

    @Override
    public void correctResult(JobResult corrected) {
        // XX: only where a result exists; KEEPTTL: the original 24 h stand (Redis 6.0+).
        RedisReplies.await(commands.set(keys.result(corrected.jobId()), JobJson.toText(JobJson.write(corrected)),
                SetArgs.Builder.xx().keepttl()));
    }

    @Override
    public Optional<JobStatus> status(String jobId) {
        Optional<JobResult> result = result(jobId);
        if (result.isPresent()) {
            return result.map(RedisStreamJobQueue::finished);
        }
        Map<String, String> job = RedisReplies.await(commands.hgetall(keys.job(jobId)));
        if (job == null || job.isEmpty()) {
            // Finished between the two reads (the result stored and the job's hash deleted in one
            // step): the result is there now; else the job is unknown.
            return result(jobId).map(RedisStreamJobQueue::finished);
        }
        FanOutProgress fanOut = "1".equals(job.get("fanout")) ? RedisReplies.await(finisher.progress(jobId)) : null;
        return Optional.of(new JobStatus(jobId, job.getOrDefault("state", "queued"),
                Integer.parseInt(job.getOrDefault("attempts", "0")), job.get("substrate"), null, fanOut));
    }

    private static JobStatus finished(JobResult r) {
        return new JobStatus(r.jobId(), r.status().wireName(), r.attempts(), r.substrate(), r.error());
    }

    @Override
    public NavigableMap<Long, Map<String, SeriesBucket>> series(SeriesResolution resolution, long fromPeriod, long toPeriod) {
        requireConnected();
        Map<Long, CompletableFuture<Map<String, String>>> reads = new TreeMap<>();
        for (long p = fromPeriod; p <= toPeriod; p++) {
            reads.put(p, commands.hgetall(keys.series(resolution, p)).toCompletableFuture());
        }
        NavigableMap<Long, Map<String, SeriesBucket>> out = new TreeMap<>();
        reads.forEach((period, read) -> {
            Map<String, String> h = RedisReplies.await(read);
            if (h == null || h.isEmpty()) {
                return;
            }
            Map<String, SeriesBucket> buckets = new TreeMap<>();
            h.forEach((field, value) -> {
                int bar = field.indexOf('|');
                if (bar > 0) {
                    buckets.computeIfAbsent(field.substring(0, bar), k -> new SeriesBucket())
                            .set(field.substring(bar + 1), Long.parseLong(value));
                }
            });
            out.put(period, buckets);
        });
        return out;
    }

    @Override
    public List<FanOutProgress> fanOuts(int max) {
        requireConnected();
        List<String> ids = RedisReplies.await(commands.zrevrange(keys.fanOutsActive(), 0, Math.max(0, max - 1)));
        List<CompletableFuture<FanOutProgress>> reads = ids.stream().map(finisher::progress).toList();
        List<FanOutProgress> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            FanOutProgress p = RedisReplies.await(reads.get(i));
            if (p == null) {
                commands.zrem(keys.fanOutsActive(), ids.get(i)); // its record expired unfinished
            } else {
                out.add(p);
            }
        }
        return out;
    }

    @Override
    public CompletableFuture<Boolean> planning(Delivery parent, boolean on) {
        return scripts.planning(parent, on).thenApply(owned -> owned >= 0);
    }

    @Override
    public CompletableFuture<Boolean> hedgeAsync(Delivery window, String lateOn, double afterFraction) {
        WindowRef ref = window.job().window();
        if (ref == null || ref.hedge()) {
            return CompletableFuture.completedFuture(false);
        }
        return scripts.hedge(ref, Envelope.hedge(window, lateOn), afterFraction).thenApply(queued -> queued == 1L);
    }

    @Override
    public CancelOutcome cancel(String jobId) {
        requireConnected();
        String result = JobJson.toText(JobJson.write(JobResult.failed(jobId, null, 0, 0, JobQueue.cancelledError(jobId))));
        return switch (RedisReplies.await(scripts.cancel(jobId, result))) {
            case "cancelling" -> CancelOutcome.CANCELLING;
            case "cancelled" -> CancelOutcome.CANCELLED;
            case "running" -> CancelOutcome.RUNNING;
            case "finished" -> CancelOutcome.FINISHED;
            default -> CancelOutcome.UNKNOWN;
        };
    }

    @Override
    public List<DeadLetter> deadLetters(int max) {
        requireConnected();
        List<DeadLetter> out = new ArrayList<>();
        for (StreamMessage<String, String> m : RedisReplies.await(
                commands.xrevrange(keys.dead(), Range.create("-", "+"), Limit.from(max)))) {
            out.add(Envelope.readDead(m.getId(), m.getBody()));
        }
        return out;
    }

    @Override
    public SubmitOutcome requeue(String deadLetterId) {
        requireConnected();
        List<StreamMessage<String, String>> found;
        try {
            found = RedisReplies.await(commands.xrange(keys.dead(), Range.create(deadLetterId, deadLetterId)));
        } catch (QueueUnavailableException e) {
            if (e.getCause() instanceof io.lettuce.core.RedisCommandExecutionException) {
                throw new JobRequeueException(true, "no dead letter '" + deadLetterId + "'"); // not an entry id
            }
            throw e;
        }
        if (found.isEmpty()) {
            throw new JobRequeueException(true, "no dead letter '" + deadLetterId + "'");
        }
        DeadLetter letter = Envelope.readDead(deadLetterId, found.get(0).getBody());
        ComputeJob job = JobQueue.requeueable(letter);
        long outcome = RedisReplies.await(scripts.requeue(deadLetterId, job.jobId(), letter.job()));
        if (outcome == 0) {
            throw new JobRequeueException(true, "no dead letter '" + deadLetterId + "'");
        }
        if (outcome < 0) {
            throw new JobRequeueException(false, "job '" + job.jobId() + "' is queued or running again already");
        }
        return new SubmitOutcome(job.jobId(), true);
    }

    @Override
    public LedgerSnapshot ledger() {
        requireConnected();
        Map<String, SubstrateTotals> totals = new HashMap<>();
        for (String statsKey : RedisReplies.await(commands.smembers(keys.statsIndex()))) {
            Map<String, String> h = RedisReplies.await(commands.hgetall(statsKey));
            String substrate = keys.substrateOf(statsKey);
            totals.put(substrate, new SubstrateTotals(substrate, number(h, "executions"), number(h, "successes"),
                    number(h, "failures"), number(h, "throttled"), number(h, "bytes"), number(h, "cost_pico_usd")));
        }
        List<ExecutionRecord> recent = new ArrayList<>();
        for (String record : RedisReplies.await(commands.lrange(keys.metrics(), 0, -1))) {
            recent.add(ExecutionRecord.fromJson(JobJson.readTree(record)));
        }
        return new LedgerSnapshot(totals, recent);
    }

    @Override
    public QueueDepth depth() {
        requireConnected();
        CompletableFuture<Long> ingress = commands.llen(keys.ingress()).toCompletableFuture();
        CompletableFuture<Long> moving = commands.llen(keys.moving()).toCompletableFuture();
        CompletableFuture<Long> stream = commands.xlen(keys.stream()).toCompletableFuture();
        CompletableFuture<PendingMessages> pending = commands.xpending(keys.stream(), QueueScripts.GROUP).toCompletableFuture();
        CompletableFuture<Long> delayed = commands.zcard(keys.delayed()).toCompletableFuture();
        CompletableFuture<Long> dead = commands.xlen(keys.dead()).toCompletableFuture();
        long inFlight = RedisReplies.await(pending).getCount();
        return new QueueDepth(RedisReplies.await(ingress) + RedisReplies.await(moving), RedisReplies.await(stream) - inFlight, inFlight, RedisReplies.await(delayed),
                RedisReplies.await(dead));
    }

    /** The consumer name this queue reads as. */
    public String consumerName() {
        return consumer.getName();
    }

    @Override
    public void close() {
        closed = true;
        maintenance.shutdownNow();
        mover.close();
        // Closing the connection ends the blocked XREADGROUP on the server, too.
        reader.close();
    }

    // -- helpers ------------------------------------------------------------------------------

    private static long number(Map<String, String> h, String field) {
        String v = h.get(field);
        return v == null ? 0 : Long.parseLong(v);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
