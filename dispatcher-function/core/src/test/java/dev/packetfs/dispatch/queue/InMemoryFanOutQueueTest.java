package dev.packetfs.dispatch.queue;

/** The fan-out contract in one JVM. */
class InMemoryFanOutQueueTest extends FanOutQueueContract {

    @Override
    protected JobQueue newQueue(QueueSettings settings) {
        return new InMemoryJobQueue(settings);
    }

    @Override
    protected JobQueue secondConsumer(JobQueue first) {
        return ((InMemoryJobQueue) first).consumer("second");
    }
}
