package dev.packetfs.dispatch.queue;

import java.time.Duration;

/**
 * @param visibilityTimeout how long a delivery stays with a consumer that stopped extending it
 *     before another consumer may take it
 * @param resultTtl how long results (and job state) are kept; docs/redis-keys.md says 24 h
 * @param metricsKept execution records kept in {@code packetfs:metrics}
 * @param maxDeliveries deliveries of one entry that never got settled (its consumer died each
 *     time) before it is dead-lettered as a job that may be crashing dispatchers
 * @param blockTimeout the longest one blocking read waits, which bounds how long shutdown waits
 * @param maxJobs jobs the queue holds at most (ready, running and waiting to be retried); a
 *     submission past it is refused whole ({@link QueueFullException}), jobs LPUSHed past it wait
 *     in the ingress list
 * @param maxBytes bytes of job JSON (inline data included) the queue holds at most, likewise
 * @param deadLettersKept dead letters kept; the oldest are trimmed
 */
public record QueueSettings(
        Duration visibilityTimeout,
        Duration resultTtl,
        int metricsKept,
        int maxDeliveries,
        Duration blockTimeout,
        long maxJobs,
        long maxBytes,
        int deadLettersKept) {

    public static QueueSettings defaults() {
        return new QueueSettings(
                Duration.ofSeconds(30),
                Duration.ofHours(24),
                10_000,
                10,
                Duration.ofSeconds(2),
                2_000_000,
                1L << 30,
                10_000);
    }

    public QueueSettings withVisibilityTimeout(Duration timeout) {
        return new QueueSettings(
                timeout, resultTtl, metricsKept, maxDeliveries, blockTimeout, maxJobs, maxBytes, deadLettersKept);
    }

    public QueueSettings withResultTtl(Duration ttl) {
        return new QueueSettings(
                visibilityTimeout, ttl, metricsKept, maxDeliveries, blockTimeout, maxJobs, maxBytes, deadLettersKept);
    }

    public QueueSettings withMetricsKept(int kept) {
        return new QueueSettings(
                visibilityTimeout, resultTtl, kept, maxDeliveries, blockTimeout, maxJobs, maxBytes, deadLettersKept);
    }

    public QueueSettings withQuota(long jobs, long bytes, int deadLetters) {
        return new QueueSettings(
                visibilityTimeout, resultTtl, metricsKept, maxDeliveries, blockTimeout, jobs, bytes, deadLetters);
    }
}
