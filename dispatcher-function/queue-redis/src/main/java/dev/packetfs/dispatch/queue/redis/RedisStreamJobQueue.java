package dev.packetfs.dispatch.queue.redis;

import dev.packetfs.dispatch.queue.DeadLetters;
import dev.packetfs.dispatch.queue.JobDelivery;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.JobRecords;
import dev.packetfs.dispatch.queue.QueueBooks;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.queue.QueueUnavailableException;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisException;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The job queue on Redis: a stream with one consumer group shared by every dispatcher, seen
 * through its five ports. Jobs go in through {@link RedisIntake} (submit.lua, or LPUSHed and moved
 * in by the {@link IngressMover}), are delivered and settled by {@link RedisDelivery}, and are read
 * back by {@link RedisRecords}, {@link RedisDeadLetters} and {@link RedisBooks}; fan-out merges run
 * in the {@link FanOutFinisher}. The scripts and their arguments are {@link QueueScripts};
 * docs/redis-keys.md describes every key. Redis failures reach callers as
 * {@link QueueUnavailableException}.
 */
public final class RedisStreamJobQueue implements JobQueue {
    private final ScheduledExecutorService maintenance;
    private final IngressMover mover;
    private final RedisIntake intake;
    private final RedisDelivery delivery;
    private final RedisRecords records;
    private final RedisDeadLetters deadLetters;
    private final RedisBooks books;

    /**
     * @param consumerName unique per dispatcher process: the group tracks deliveries by it
     */
    public RedisStreamJobQueue(RedisConnections redis, QueueSettings settings, String consumerName) {
        QueueScripts scripts = new QueueScripts(redis.commands(), redis.keys(), settings);
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "packetfs-queue-maintenance");
            t.setDaemon(true);
            return t;
        });
        FanOutFinisher finisher = new FanOutFinisher(redis.commands(), redis.keys(), scripts, maintenance);
        this.delivery = new RedisDelivery(redis, settings, scripts, finisher, consumerName, maintenance);
        createGroup(redis);
        delivery.start();
        this.mover = new IngressMover(redis, scripts, settings.blockTimeout());
        this.intake = new RedisIntake(redis, settings, scripts);
        this.records = new RedisRecords(redis, finisher);
        this.deadLetters = new RedisDeadLetters(redis, scripts);
        this.books = new RedisBooks(redis, finisher);
    }

    private static void createGroup(RedisConnections redis) {
        try {
            // From the start of the stream: entries added before any dispatcher existed count too.
            redis.commands()
                    .xgroupCreate(
                            XReadArgs.StreamOffset.from(redis.keys().stream(), "0"),
                            QueueScripts.GROUP,
                            XGroupCreateArgs.Builder.mkstream())
                    .toCompletableFuture()
                    .get(RedisReplies.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof RedisBusyException)
                    && !String.valueOf(e.getCause().getMessage()).startsWith("BUSYGROUP")) {
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

    @Override
    public RedisIntake intake() {
        return intake;
    }

    @Override
    public JobDelivery delivery() {
        return delivery;
    }

    @Override
    public JobRecords records() {
        return records;
    }

    @Override
    public DeadLetters deadLetters() {
        return deadLetters;
    }

    @Override
    public QueueBooks books() {
        return books;
    }

    /** The consumer name this queue reads as. */
    public String consumerName() {
        return delivery.consumerName();
    }

    @Override
    public void close() {
        delivery.close();
        maintenance.shutdownNow();
        mover.close();
    }
}
