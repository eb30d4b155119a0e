package dev.packetfs.dispatch.queue.redis;

import dev.packetfs.dispatch.ledger.SeriesResolution;

/**
 * The queue's Redis key names. Standalone Redis uses the names docs/redis-keys.md publishes
 * ({@code packetfs:jobs:queue}, {@code packetfs:results:<job_id>}, {@code packetfs:metrics}).
 * Redis Cluster runs every multi-key step as one script, whose keys must share a hash slot, so
 * there every name starts with the hash tag {@code {packetfs}:} instead of {@code packetfs:}
 * ({@code {packetfs}:jobs:queue}, {@code {packetfs}:results:<job_id>}, ...): same names, one slot.
 */
public record RedisKeys(String prefix) {

    public static RedisKeys standalone() {
        return new RedisKeys("packetfs:");
    }

    public static RedisKeys cluster() {
        return new RedisKeys("{packetfs}:");
    }

    /** The ingress list redis-cli users LPUSH jobs onto. */
    public String ingress() {
        return prefix + "jobs:queue";
    }

    /** Jobs a mover has taken off the ingress list and not yet put in the stream. */
    public String moving() {
        return prefix + "jobs:moving";
    }

    public String stream() {
        return prefix + "jobs:stream";
    }

    /** Bytes of job JSON in the queue (stream and delayed set), for its quota. */
    public String queuedBytes() {
        return prefix + "jobs:bytes";
    }

    public String delayed() {
        return prefix + "jobs:delayed";
    }

    public String dead() {
        return prefix + "jobs:dead";
    }

    public String result(String jobId) {
        return prefix + "results:" + jobId;
    }

    public String job(String jobId) {
        return prefix + "jobs:job:" + jobId;
    }

    public String metrics() {
        return prefix + "metrics";
    }

    public String stats(String substrate) {
        return prefix + "stats:" + substrate;
    }

    public String statsIndex() {
        return prefix + "stats:substrates";
    }

    /** A fan-out job's record while it runs (fanout.lua says what it holds). */
    public String fanOut(String parentId) {
        return prefix + "fanout:job:" + parentId;
    }

    /** A fan-out job's windows' answers, window index → result JSON. */
    public String fanOutWindows(String parentId) {
        return prefix + "fanout:windows:" + parentId;
    }

    /** Fan-out jobs in progress, scored by when they were planned. */
    public String fanOutsActive() {
        return prefix + "fanout:active";
    }

    /** The drains running, as leases: drain id, scored by when its lease expires (DrainLeases). */
    public String drains() {
        return prefix + "drains";
    }

    /** One period of the series: {@code <substrate>|<field>} → count. */
    public String series(SeriesResolution resolution, long period) {
        return prefix + "series:" + resolution.key() + ":" + period;
    }

    public String substrateOf(String statsKey) {
        return statsKey.substring(stats("").length());
    }
}
