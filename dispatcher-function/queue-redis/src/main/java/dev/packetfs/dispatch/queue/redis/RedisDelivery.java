package dev.packetfs.dispatch.queue.redis;

import dev.packetfs.dispatch.job.WindowRef;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.Envelope;
import dev.packetfs.dispatch.queue.JobDelivery;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.queue.QueueUnavailableException;
import dev.packetfs.dispatch.queue.Settlement;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.models.stream.PendingMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery from the stream to one consumer of the group.
 *
 * <ul>
 *   <li>XREADGROUP (blocking, on its own connection). A delivery stays in the group's pending list
 *       until settled; XAUTOCLAIM hands deliveries idle past the visibility timeout (their
 *       dispatcher died or lost its connection) to a live dispatcher. Live dispatchers extend
 *       their long-running deliveries with XCLAIM JUSTID.
 *   <li>begin.lua marks a delivery running, or says it is a duplicate or finished already.
 *   <li>Retries wait in {@code packetfs:jobs:delayed} (scored by due time) and are moved back by a
 *       script that uses the server's clock, on the maintenance thread.
 * </ul>
 *
 * Taking is not thread-safe: one taker per queue, one take at a time. Before it blocks for new
 * entries it takes over deliveries whose visibility lapsed (a sweep at most every half
 * visibility timeout), and it never blocks past the next sweep. The asynchronous form never
 * blocks a thread: it may run on the Redis I/O thread, where waiting for a reply would wait for
 * itself.
 */
final class RedisDelivery implements JobDelivery {
    /** The field submit.lua adds to entries it deduplicated. */
    private static final String CHECKED = "checked";

    private static final Logger LOG = LoggerFactory.getLogger(RedisDelivery.class);
    private static final int PROMOTE_BATCH = 1000;

    private final RedisKeys keys;
    private final QueueSettings settings;
    private final Consumer<String> consumer;
    private final RedisClusterAsyncCommands<String, String> commands;
    private final QueueScripts scripts;
    private final RedisSettlements settlements;
    private final FanOutFinisher finisher;
    private final RedisConnections.Blocking reader;
    private final ScheduledExecutorService maintenance;
    private final long sweepIntervalNanos;
    private long nextSweep;
    private volatile boolean closed;

    RedisDelivery(
            RedisConnections redis,
            QueueSettings settings,
            QueueScripts scripts,
            FanOutFinisher finisher,
            String consumerName,
            ScheduledExecutorService maintenance) {
        this.keys = redis.keys();
        this.settings = settings;
        this.consumer = Consumer.from(QueueScripts.GROUP, consumerName);
        this.commands = redis.commands();
        this.scripts = scripts;
        this.settlements = new RedisSettlements(scripts);
        this.finisher = finisher;
        this.reader = redis.openBlocking();
        this.maintenance = maintenance;
        this.sweepIntervalNanos = Math.max(
                TimeUnit.MILLISECONDS.toNanos(50), settings.visibilityTimeout().toNanos() / 2);
        this.nextSweep = System.nanoTime();
    }

    /** Starts moving due retries back, on the maintenance thread. */
    void start() {
        maintenance.execute(this::promoteAndReschedule);
    }

    String consumerName() {
        return consumer.getName();
    }

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

    /**
     * XREADGROUP, blocking up to {@code wait} unless that is zero: a read that must not wait does
     * not block at all, since Redis ends a short block only on its next timer tick (up to 100 ms
     * at the default {@code hz}).
     */
    private CompletableFuture<List<Delivery>> read(int max, Duration wait, long now) {
        XReadArgs args = XReadArgs.Builder.count(max);
        if (!wait.isZero()) {
            args.block(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(wait.toNanos(), nextSweep - now))));
        }
        return reader.async()
                .xreadgroup(consumer, args, XReadArgs.StreamOffset.lastConsumed(keys.stream()))
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
     * Entries delivered for the first time. Those written by submit.lua were deduplicated there,
     * so begin.lua is sent for them but not awaited: on this connection it reaches Redis before
     * their settlement can. Raw LPUSHed jobs and retries may be duplicates or finished already,
     * so for them the verdict is awaited, as for redeliveries.
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
            settlements.invalid(invalid, false);
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
        RedisReplies.await(commands.xclaim(
                keys.stream(), consumer, XClaimArgs.Builder.justid().minIdleTime(0), ids));
    }

    /** Takes over deliveries whose consumer stopped extending them: it died, or lost Redis. */
    private CompletableFuture<List<Delivery>> reclaim(int max) {
        return commands.xautoclaim(
                        keys.stream(),
                        XAutoClaimArgs.Builder.xautoclaim(consumer, settings.visibilityTimeout(), "0-0")
                                .count(max))
                .toCompletableFuture()
                .thenCompose(claimed -> {
                    List<StreamMessage<String, String>> messages = claimed.getMessages();
                    if (messages.isEmpty()) {
                        return CompletableFuture.completedFuture(List.<Delivery>of());
                    }
                    LOG.info(
                            "took over {} deliveries idle for more than {}",
                            messages.size(),
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
            counts.add(commands.xpending(
                            keys.stream(), QueueScripts.GROUP, Range.create(m.getId(), m.getId()), Limit.from(1))
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
                    crashing.add(new Envelope.Invalid(
                            m.getId(),
                            token,
                            Envelope.usableJobId(raw),
                            "delivered " + deliveries + " times and never settled: it may be crashing dispatchers",
                            raw));
                } else {
                    keep.add(m);
                }
            }
            if (!crashing.isEmpty()) {
                settlements.invalid(crashing, true);
            }
            return keep;
        });
    }

    @Override
    public void settle(List<Settlement> batch) {
        RedisReplies.await(settleAsync(batch));
    }

    @Override
    public CompletionStage<Void> settleAsync(List<Settlement> batch) {
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        boolean retries = batch.stream().anyMatch(s -> s instanceof Settlement.Retry);
        return settlements.write(batch).thenRun(() -> {
            if (retries && !closed) {
                maintenance.execute(this::promoteAndReschedule);
            }
        });
    }

    @Override
    public Duration promoteDueRetries() {
        while (true) {
            List<Long> out = RedisReplies.await(scripts.promote(PROMOTE_BATCH));
            Duration next = out.get(1) < 0 ? null : Duration.ofMillis(out.get(1));
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

    /** Stops taking; closing the connection ends the blocked XREADGROUP on the server, too. */
    void close() {
        closed = true;
        reader.close();
    }
}
