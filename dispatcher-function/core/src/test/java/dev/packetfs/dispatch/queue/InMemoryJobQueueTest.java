package dev.packetfs.dispatch.queue;

/** The queue contract in one JVM. */
class InMemoryJobQueueTest extends JobQueueContract {

    @Override
    JobQueue newQueue(QueueSettings settings) {
        return new InMemoryJobQueue(settings);
    }

    @Override
    JobQueue secondConsumer(JobQueue first) {
        return ((InMemoryJobQueue) first).consumer("second");
    }
}
