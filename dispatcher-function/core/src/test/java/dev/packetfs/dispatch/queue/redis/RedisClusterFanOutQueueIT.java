package dev.packetfs.dispatch.queue.redis;

import dev.packetfs.dispatch.queue.FanOutQueueContract;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.testing.RedisCluster;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The fan-out contract on a real three-node Redis Cluster: every script's keys in the one tagged slot. */
class RedisClusterFanOutQueueIT extends FanOutQueueContract {
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
}
