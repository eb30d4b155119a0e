package dev.packetfs.dispatch.queue;

import dev.packetfs.dispatch.testing.RedisServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The queue contract on a real redis-server of the test's own. */
class RedisStreamJobQueueIT extends JobQueueContract {
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
    JobQueue newQueue(QueueSettings settings) {
        server.cli("FLUSHALL");
        return track(new RedisStreamJobQueue(redis, settings, "first"));
    }

    @Override
    JobQueue secondConsumer(JobQueue first) {
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
}
