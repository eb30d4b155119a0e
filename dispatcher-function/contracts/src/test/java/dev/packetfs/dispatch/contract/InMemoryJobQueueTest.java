package dev.packetfs.dispatch.contract;

import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.queue.memory.InMemoryJobQueue;
import org.junit.jupiter.api.Nested;

/** The queue contract, and the fan-out contract, in one JVM. */
class InMemoryJobQueueTest extends JobQueueContract {

    @Override
    protected JobQueue newQueue(QueueSettings settings) {
        return new InMemoryJobQueue(settings);
    }

    @Override
    protected JobQueue secondConsumer(JobQueue first) {
        return ((InMemoryJobQueue) first).consumer("second");
    }

    @Nested
    class FanOutCases extends FanOutCasesContract {
        @Override
        protected JobQueue queueUnderTest() {
            return InMemoryJobQueueTest.this.queue;
        }
    }

    @Nested
    class FanOut extends FanOutQueueContract {
        @Override
        protected JobQueue queueUnderTest() {
            return InMemoryJobQueueTest.this.queue;
        }

        @Override
        protected JobQueue secondConsumer(JobQueue first) {
            return InMemoryJobQueueTest.this.secondConsumer(first);
        }
    }
}
