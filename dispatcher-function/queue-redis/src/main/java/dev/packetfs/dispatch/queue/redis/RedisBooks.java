package dev.packetfs.dispatch.queue.redis;

import dev.packetfs.dispatch.fanout.FanOutProgress;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.ledger.LedgerSnapshot;
import dev.packetfs.dispatch.ledger.SeriesBucket;
import dev.packetfs.dispatch.ledger.SeriesResolution;
import dev.packetfs.dispatch.ledger.SubstrateTotals;
import dev.packetfs.dispatch.queue.QueueBooks;
import dev.packetfs.dispatch.queue.QueueDepth;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.models.stream.PendingMessages;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The books as settle.lua keeps them: per-substrate totals ({@code packetfs:stats:*}), recent
 * records ({@code packetfs:metrics}), per-period series, fan-outs in progress, and the depth of
 * each list the queue holds.
 */
final class RedisBooks implements QueueBooks {
    private final RedisConnections redis;
    private final RedisKeys keys;
    private final FanOutFinisher finisher;

    RedisBooks(RedisConnections redis, FanOutFinisher finisher) {
        this.redis = redis;
        this.keys = redis.keys();
        this.finisher = finisher;
    }

    @Override
    public LedgerSnapshot ledger() {
        redis.requireConnected();
        RedisClusterAsyncCommands<String, String> commands = redis.commands();
        Map<String, SubstrateTotals> totals = new HashMap<>();
        for (String statsKey : RedisReplies.await(commands.smembers(keys.statsIndex()))) {
            Map<String, String> h = RedisReplies.await(commands.hgetall(statsKey));
            String substrate = keys.substrateOf(statsKey);
            totals.put(
                    substrate,
                    new SubstrateTotals(
                            substrate,
                            number(h, "executions"),
                            number(h, "successes"),
                            number(h, "failures"),
                            number(h, "throttled"),
                            number(h, "bytes"),
                            number(h, "cost_pico_usd")));
        }
        List<ExecutionRecord> recent = new ArrayList<>();
        for (String record : RedisReplies.await(commands.lrange(keys.metrics(), 0, -1))) {
            recent.add(ExecutionRecord.fromJson(JobJson.readTree(record)));
        }
        return new LedgerSnapshot(totals, recent);
    }

    @Override
    public NavigableMap<Long, Map<String, SeriesBucket>> series(
            SeriesResolution resolution, long fromPeriod, long toPeriod) {
        redis.requireConnected();
        Map<Long, CompletableFuture<Map<String, String>>> reads = new TreeMap<>();
        for (long p = fromPeriod; p <= toPeriod; p++) {
            reads.put(p, redis.commands().hgetall(keys.series(resolution, p)).toCompletableFuture());
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
        redis.requireConnected();
        List<String> ids =
                RedisReplies.await(redis.commands().zrevrange(keys.fanOutsActive(), 0, Math.max(0, max - 1)));
        List<CompletableFuture<FanOutProgress>> reads =
                ids.stream().map(finisher::progress).toList();
        List<FanOutProgress> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            FanOutProgress p = RedisReplies.await(reads.get(i));
            if (p == null) {
                redis.commands().zrem(keys.fanOutsActive(), ids.get(i)); // its record expired unfinished
            } else {
                out.add(p);
            }
        }
        return out;
    }

    @Override
    public QueueDepth depth() {
        redis.requireConnected();
        RedisClusterAsyncCommands<String, String> commands = redis.commands();
        CompletableFuture<Long> ingress = commands.llen(keys.ingress()).toCompletableFuture();
        CompletableFuture<Long> moving = commands.llen(keys.moving()).toCompletableFuture();
        CompletableFuture<Long> stream = commands.xlen(keys.stream()).toCompletableFuture();
        CompletableFuture<PendingMessages> pending =
                commands.xpending(keys.stream(), QueueScripts.GROUP).toCompletableFuture();
        CompletableFuture<Long> delayed = commands.zcard(keys.delayed()).toCompletableFuture();
        CompletableFuture<Long> dead = commands.xlen(keys.dead()).toCompletableFuture();
        long inFlight = RedisReplies.await(pending).getCount();
        return new QueueDepth(
                RedisReplies.await(ingress) + RedisReplies.await(moving),
                RedisReplies.await(stream) - inFlight,
                inFlight,
                RedisReplies.await(delayed),
                RedisReplies.await(dead));
    }

    private static long number(Map<String, String> h, String field) {
        String v = h.get(field);
        return v == null ? 0 : Long.parseLong(v);
    }
}
