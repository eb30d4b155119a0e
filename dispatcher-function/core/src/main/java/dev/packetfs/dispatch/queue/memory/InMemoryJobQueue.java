package dev.packetfs.dispatch.queue.memory;

import dev.packetfs.dispatch.queue.DeadLetters;
import dev.packetfs.dispatch.queue.JobDelivery;
import dev.packetfs.dispatch.queue.JobIntake;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.JobRecords;
import dev.packetfs.dispatch.queue.QueueBooks;
import dev.packetfs.dispatch.queue.QueueSettings;

/**
 * The job queue in one JVM, for running with no Redis (the embedded default and the demo). Same
 * semantics as the Redis queue — visibility timeouts, idempotent settling, one result per job id,
 * delayed retries, dead letters, bounded records — with nothing kept across restarts. Its state
 * is one {@link MemoryStore}; each port is a class of its own over it.
 *
 * <p>Several consumers may share one store ({@link #consumer}), as several dispatchers share one
 * Redis; the contract tests use that to exercise redelivery.
 */
public final class InMemoryJobQueue implements JobQueue {
    private final MemoryStore store;
    private final JobIntake intake;
    private final JobDelivery delivery;
    private final JobRecords records;
    private final DeadLetters deadLetters;
    private final QueueBooks books;

    public InMemoryJobQueue(QueueSettings settings) {
        this(new MemoryStore(settings), "embedded");
    }

    private InMemoryJobQueue(MemoryStore store, String consumer) {
        this.store = store;
        this.intake = new MemoryIntake(store);
        this.delivery = new MemoryDelivery(store, consumer);
        this.records = new MemoryRecords(store);
        this.deadLetters = new MemoryDeadLetters(store);
        this.books = new MemoryBooks(store);
    }

    /** Another consumer of the same jobs, as a second dispatcher on the same Redis would be. */
    public InMemoryJobQueue consumer(String name) {
        return new InMemoryJobQueue(store, name);
    }

    @Override
    public String backend() {
        return "in-memory";
    }

    @Override
    public JobIntake intake() {
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

    @Override
    public void close() {
        // nothing held outside the heap
    }
}
