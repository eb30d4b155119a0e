package dev.packetfs.dispatch.queue.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.contract.Jobs;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The drains' leases (drains.lua) on a real redis-server, with jobs in a real queue. */
class DrainLeasesIT {
    static final Duration LEASE = Duration.ofSeconds(30);
    static RedisServer server;
    static RedisConnections redis;
    RedisStreamJobQueue queue;
    DrainLeases leases;

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

    @BeforeEach
    void emptyQueue() {
        server.cli("FLUSHALL");
        queue = new RedisStreamJobQueue(redis, QueueSettings.defaults(), "leases");
        leases = new DrainLeases(redis);
    }

    @AfterEach
    void closeQueue() {
        queue.close();
    }

    private void submit(int n) {
        List<ComputeJob> jobs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            jobs.add(Jobs.crc("job-" + UUID.randomUUID(), "123456789"));
        }
        queue.intake().submit(jobs);
    }

    private static String id() {
        return UUID.randomUUID().toString();
    }

    @Test
    void noDrainStartsForAnEmptyQueueAndOneForTheFirstJob() {
        assertFalse(leases.start(id(), LEASE, 4, 50).done(), "nothing waits");
        submit(1);
        DrainLeases.Step first = leases.start(id(), LEASE, 4, 50);
        assertEquals(new DrainLeases.Step(true, 1, 1), first);
        assertFalse(leases.start(id(), LEASE, 4, 50).done(), "one job is no backlog for a second drain");
    }

    @Test
    void moreDrainsStartWhileTheBacklogPerDrainIsAboveTheThresholdUpToTheMost() {
        submit(25);
        assertTrue(leases.start(id(), LEASE, 3, 10).done());
        assertTrue(leases.start(id(), LEASE, 3, 10).done(), "25 > 1 x 10");
        assertTrue(leases.start(id(), LEASE, 3, 10).done(), "25 > 2 x 10");
        DrainLeases.Step fourth = leases.start(id(), LEASE, 3, 10);
        assertEquals(new DrainLeases.Step(false, 3, 25), fourth, "never more than the most");
        submit(100);
        assertFalse(leases.start(id(), LEASE, 3, 10).done(), "however long the backlog");
    }

    @Test
    void jobsLpushedCountAsWaitingAndTakenOnesDoNot() throws Exception {
        queue.close(); // its mover would move the list into the stream
        server.cli("LPUSH", redis.keys().ingress(), Jobs.crcJson("pushed", "MTIzNDU2Nzg5"));
        assertEquals(1, leases.start(id(), LEASE, 4, 50).waiting());
        queue = new RedisStreamJobQueue(redis, QueueSettings.defaults(), "leases");
        List<Delivery> taken = new ArrayList<>();
        for (int i = 0; i < 50 && taken.isEmpty(); i++) {
            taken.addAll(queue.delivery().take(1, Duration.ofMillis(100)));
        }
        assertEquals(1, taken.size());
        assertEquals(0, leases.look().waiting(), "delivered: no longer waiting");
    }

    @Test
    void aScheduledDrainJoinsOnlyBelowTheMostAndAStartedOneRenewsItsLease() {
        submit(10);
        String started = id();
        assertTrue(leases.start(started, LEASE, 1, 50).done());
        assertFalse(leases.join("scheduled-a", LEASE, 1).done(), "the most run already");
        assertTrue(leases.join(started, LEASE, 1).done(), "the drain that was started takes its own lease");
        assertEquals(1, leases.renew(started, LEASE).running());
        assertEquals(0, leases.cancel(started).running());
        assertTrue(leases.join("scheduled-a", LEASE, 1).done());
    }

    @Test
    void anIdleDrainKeepsItsLeaseWhileAJobWaitsAndGivesItUpWhenNoneDoes() {
        String drain = id();
        assertTrue(leases.join(drain, LEASE, 4).done());
        submit(1);
        DrainLeases.Step kept = leases.stop(drain, LEASE);
        assertEquals(new DrainLeases.Step(false, 1, 1), kept, "a job waits: it keeps taking jobs");
        server.cli("DEL", redis.keys().stream());
        DrainLeases.Step stopped = leases.stop(drain, LEASE);
        assertEquals(new DrainLeases.Step(true, 0, 0), stopped);
        submit(1);
        assertTrue(leases.start(id(), LEASE, 4, 50).done(), "after it, a submission starts a drain again");
    }

    @Test
    void aRetryWaitingForItsDelayKeepsAnIdleDrainRunning() {
        String drain = id();
        leases.join(drain, LEASE, 4);
        server.cli("ZADD", redis.keys().delayed(), "9999999999999", "{\"a\":\"retry\"}");
        assertFalse(leases.stop(drain, LEASE).done());
    }

    @Test
    void aLeaseThatIsNotRenewedExpires() throws Exception {
        submit(1);
        assertTrue(leases.start(id(), Duration.ofMillis(200), 1, 50).done());
        assertFalse(leases.start(id(), LEASE, 1, 50).done());
        Thread.sleep(400); // at least the lease: Redis' clock has passed its expiry
        assertTrue(leases.start(id(), LEASE, 1, 50).done(), "a drain that died stops counting");
    }

    /** Thousands of submissions at once, each asking for a drain: exactly the most start. */
    @Test
    void aKickStormStartsAtMostTheMostDrains() throws Exception {
        submit(1000);
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            List<Callable<Integer>> kicks = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                kicks.add(() -> {
                    int started = 0;
                    for (int i = 0; i < 250; i++) {
                        started += leases.start(id(), LEASE, 3, 10).done() ? 1 : 0;
                    }
                    return started;
                });
            }
            int started = 0;
            for (Future<Integer> f : threads.invokeAll(kicks)) {
                started += f.get();
            }
            assertEquals(3, started);
            assertEquals(3, leases.look().running());
        } finally {
            threads.shutdownNow();
        }
    }
}
