package dev.packetfs.dispatch.queue.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The drains running, as leases in Redis ({@code drains.lua}, docs/redis-keys.md#drains): one
 * drain started per need however many submissions ask at once, at most a configured number at a
 * time, and none stopping while a job waits that it would leave behind.
 *
 * <p>A lease is a member of a sorted set scored by when it expires, on the Redis server's clock.
 * A drain about to be started is held for its start lease; once running it renews its own lease;
 * a drain that dies stops counting when its lease expires.
 */
public final class DrainLeases {
    private static final LuaScript DRAINS = LuaScript.load("drains");

    private final RedisClusterAsyncCommands<String, String> commands;
    private final List<String> keys;

    public DrainLeases(RedisConnections redis) {
        this.commands = redis.commands();
        RedisKeys k = redis.keys();
        this.keys = List.of(k.drains(), k.ingress(), k.moving(), k.stream(), k.delayed());
    }

    /**
     * What a step found.
     *
     * @param done whether it did what was asked (a lease taken, given up or renewed)
     * @param running drains holding a lease afterwards
     * @param waiting jobs waiting to be taken (queued or LPUSHed; for {@link #stop}, retries too)
     */
    public record Step(boolean done, long running, long waiting) {}

    /**
     * Holds a lease for a drain about to be started, when fewer than {@code maxDrains} hold one and
     * more than {@code jobsPerDrain} jobs wait for each drain that does (any job, when none does).
     */
    public Step start(String id, Duration startLease, int maxDrains, int jobsPerDrain) {
        return run(
                "start",
                id,
                Long.toString(startLease.toMillis()),
                Integer.toString(maxDrains),
                Integer.toString(jobsPerDrain));
    }

    /** A drain started by the schedule takes a lease when fewer than {@code maxDrains} hold one, or renews its own. */
    public Step join(String id, Duration lease, int maxDrains) {
        return run("join", id, Long.toString(lease.toMillis()), Integer.toString(maxDrains));
    }

    public Step renew(String id, Duration lease) {
        return run("renew", id, Long.toString(lease.toMillis()));
    }

    /** Gives the lease up when no job waits (done); else keeps it for {@code lease} (not done). */
    public Step stop(String id, Duration lease) {
        return run("stop", id, Long.toString(lease.toMillis()));
    }

    /** Gives up the lease of a drain that could not be started. */
    public Step cancel(String id) {
        return run("cancel", id);
    }

    /** How many drains hold a lease, and how many jobs wait; changes nothing. */
    public Step look() {
        return run("look", "");
    }

    private Step run(String op, String id, String... more) {
        List<String> args = new ArrayList<>(List.of(op, id));
        args.addAll(List.of(more));
        List<Long> reply = RedisReplies.await(DRAINS.<List<Long>>run(commands, ScriptOutputType.MULTI, keys, args));
        return new Step(reply.get(0) == 1, reply.get(1), reply.get(2));
    }
}
