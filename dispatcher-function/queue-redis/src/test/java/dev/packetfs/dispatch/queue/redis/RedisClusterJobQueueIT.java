package dev.packetfs.dispatch.queue.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.contract.FanOutCasesContract;
import dev.packetfs.dispatch.contract.FanOutQueueContract;
import dev.packetfs.dispatch.contract.JobQueueContract;
import dev.packetfs.dispatch.contract.Jobs;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.testing.RedisCluster;
import dev.packetfs.testing.RedisServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The queue contract on a real three-node Redis Cluster. Every key carries the {packetfs} hash
 * tag there, so each multi-key script runs on one node.
 */
class RedisClusterJobQueueIT extends JobQueueContract {
    static RedisCluster cluster;
    static RedisConnections redis;
    final List<JobQueue> opened = new ArrayList<>();

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.start();
        redis = RedisConnections.open(cluster.url());
    }

    @AfterAll
    static void stopCluster() {
        redis.close();
        cluster.close();
    }

    @Override
    protected JobQueue newQueue(QueueSettings settings) {
        cluster.flushAll();
        JobQueue q = new RedisStreamJobQueue(redis, settings, "first");
        opened.add(q);
        return q;
    }

    @Override
    protected JobQueue secondConsumer(JobQueue first) {
        JobQueue q = new RedisStreamJobQueue(redis, SETTINGS, "second");
        opened.add(q);
        return q;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(JobQueue::close);
    }

    @Test
    void everyKeyLivesInTheHashTaggedSlotOnOneNode() throws Exception {
        queue.intake().submit(Jobs.crc("slot-check", "x"));
        queue.delivery()
                .settle(takeAtLeast(queue, 1).stream()
                        .map(JobQueueContract::done)
                        .toList());
        int nodesWithKeys = 0;
        for (RedisServer node : cluster.nodes()) {
            String keys = node.cli("KEYS", "*");
            if (!keys.isEmpty()) {
                nodesWithKeys++;
                for (String key : keys.split("\n")) {
                    assertTrue(key.startsWith("{packetfs}:"), key);
                }
                assertTrue(keys.contains("{packetfs}:results:slot-check"), keys);
            }
        }
        assertEquals(1, nodesWithKeys);
    }

    /** The fan-out contract on the same cluster: every script's keys in the one tagged slot. */
    @Nested
    class FanOutCases extends FanOutCasesContract {
        @Override
        protected JobQueue queueUnderTest() {
            return RedisClusterJobQueueIT.this.queue;
        }
    }

    @Nested
    class FanOut extends FanOutQueueContract {
        @Override
        protected JobQueue queueUnderTest() {
            return RedisClusterJobQueueIT.this.queue;
        }

        @Override
        protected JobQueue secondConsumer(JobQueue first) {
            return RedisClusterJobQueueIT.this.secondConsumer(first);
        }
    }
}
