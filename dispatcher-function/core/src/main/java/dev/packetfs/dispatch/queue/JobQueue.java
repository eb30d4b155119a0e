package dev.packetfs.dispatch.queue;

/**
 * Where jobs wait, and where their results and execution records are kept: one backend, seen
 * through one port per kind of caller, as BullMQ splits its clients by role. The HTTP API submits
 * through {@link #intake}, the dispatch loop takes and settles through {@link #delivery}, status
 * and results are read through {@link #records}, failed jobs through {@link #deadLetters}, and
 * dashboards read {@link #books}. Each caller is given the port it needs, not the queue.
 *
 * <p>{@code RedisStreamJobQueue} (module {@code queue-redis}) keeps all of this in Redis, shared
 * by any number of dispatchers; {@code InMemoryJobQueue} (package {@code queue.memory}) keeps it
 * in one JVM with the same semantics (one contract test runs against both). A store that cannot
 * be reached is reported as {@link QueueUnavailableException}.
 */
public interface JobQueue extends AutoCloseable {

    /** Where the queue lives, for health reports: {@code redis} or {@code in-memory}. */
    String backend();

    JobIntake intake();

    JobDelivery delivery();

    JobRecords records();

    DeadLetters deadLetters();

    QueueBooks books();

    @Override
    void close();
}
