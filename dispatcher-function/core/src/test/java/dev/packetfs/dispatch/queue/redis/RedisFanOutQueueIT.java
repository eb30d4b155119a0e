package dev.packetfs.dispatch.queue.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetfs.dispatch.queue.FanOutQueueContract;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.testing.RedisServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fan-out contract on a real redis-server of the test's own. */
class RedisFanOutQueueIT extends FanOutQueueContract {
    static RedisServer server;
    static RedisConnections redis;
    final List<JobQueue> opened = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        server = RedisServer.start();
        redis = RedisConnections.open(server.url());
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
        server.close();
    }

    @Override
    protected JobQueue newQueue(QueueSettings settings) {
        server.cli("FLUSHALL");
        return track(new RedisStreamJobQueue(redis, settings, "first"));
    }

    @Override
    protected JobQueue secondConsumer(JobQueue first) {
        return track(new RedisStreamJobQueue(redis, SETTINGS, "second"));
    }

    private JobQueue track(JobQueue q) {
        opened.add(q);
        return q;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(JobQueue::close);
    }

    /** A finished parent leaves no record, no answers and no bytes behind. */
    @Test
    void aFinishedParentLeavesNothingBehind() throws Exception {
        var parent = parent("tidy", dev.packetfs.kernel.Op.CRC32C, 0, 50_000, 10_000);
        plan(parent, limits(parent, 2));
        runToEnd("tidy", 4);
        assertEquals("", server.cli("KEYS", "packetfs:fanout:*"));
        assertEquals("0", server.cli("GET", "packetfs:jobs:bytes"));
        assertEquals("0", server.cli("XLEN", "packetfs:jobs:stream"));
    }
}
