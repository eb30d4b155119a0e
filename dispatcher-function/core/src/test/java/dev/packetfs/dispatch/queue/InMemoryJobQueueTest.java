package dev.packetfs.dispatch.queue;

/** The queue contract in one JVM. */
class InMemoryJobQueueTest extends JobQueueContract {

    @Override
    protected JobQueue newQueue(QueueSettings settings) {
        return new InMemoryJobQueue(settings);
    }

    @Override
    protected JobQueue secondConsumer(JobQueue first) {
        return ((InMemoryJobQueue) first).consumer("second");
    }
}
