package dev.packetfs.dispatch.lambda.url;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.contract.Jobs;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.redis.DrainLeases;
import dev.packetfs.dispatch.runtime.DrainStarter;
import dev.packetfs.testing.RangeOrigin;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Submissions through the function URL start the drain at once, as an asynchronous Invoke of its
 * alias: the API function as Lambda runs it (Quarkus' mock event server), the drain's real
 * function.zip under the local Lambda service, a real Redis, and no schedule at all.
 */
@QuarkusTest
@QuarkusTestResource(value = DrainFunctionResource.class, restrictToAnnotatedClass = true)
class DrainKickIT {
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @Inject
    JobQueue queue;

    @Inject
    DrainStarter drains;

    @Test
    void aSubmissionStartsADrainThatRunsItsJob() throws Exception {
        int events = DrainFunctionResource.lambda.events.get();
        given().contentType("application/json")
                .body(Jobs.crcJson("kicked-1", "MTIzNDU2Nzg5"))
                .post("/jobs")
                .then()
                .statusCode(202);
        JsonPath done = awaitFinished("kicked-1");
        assertEquals("succeeded", done.getString("status"), done.prettify());
        assertEquals(3808858755L, done.getLong("result.checksum"));
        assertTrue(DrainFunctionResource.lambda.events.get() > events, "started by an asynchronous Invoke");
    }

    /**
     * Two hundred jobs posted at once from sixteen clients, each post asking for a drain: the
     * backlog starts a second drain, the leases never a third, and every job runs.
     */
    @Test
    void aBacklogRunsOnMoreDrainsButNeverMoreThanTheMost() throws Exception {
        // The drains holding a lease, watched while the backlog runs. (Not the invocations running:
        // a drain that has given its lease up may still be finishing its last read as another starts.)
        DrainLeases leases = drains.leases().orElseThrow();
        java.util.concurrent.atomic.AtomicLong most = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                most.accumulateAndGet(leases.look().running(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        watcher.start();
        try (RangeOrigin origin = new RangeOrigin()) {
            origin.put("o", "the quick brown fox jumps over the lazy dog".getBytes());
            ExecutorService clients = Executors.newFixedThreadPool(16);
            List<String> ids = new ArrayList<>();
            try {
                List<Callable<Integer>> posts = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    String id = "storm-" + i;
                    ids.add(id);
                    // 50 ms each, two at a time per drain: seconds of work for one drain.
                    String job =
                            "{\"job_id\":\"" + id + "\",\"program\":{\"op\":\"counteq\",\"imm\":111,\"data_url\":\""
                                    + origin.url("/delay/50/ranged/o") + "\"}}";
                    posts.add(() -> given().contentType("application/json")
                            .body(job)
                            .post("/jobs")
                            .statusCode());
                }
                for (Future<Integer> f : clients.invokeAll(posts)) {
                    assertEquals(202, f.get());
                }
            } finally {
                clients.shutdownNow();
            }
            for (String id : ids) {
                JsonPath done = awaitFinished(id);
                assertEquals("succeeded", done.getString("status"), done.prettify());
                assertEquals(4, done.getLong("result.count"), id);
            }
        } finally {
            watching.set(false);
            watcher.join();
        }
        assertEquals(
                DrainFunctionResource.MAX_DRAINS,
                most.get(),
                "the backlog ran on the most drains at once, and on no more");
        assertTrue(
                DrainFunctionResource.lambda.peakRunning.get() >= DrainFunctionResource.MAX_DRAINS,
                "started as invocations");
    }

    /** A drain that cannot be started (here: no such function) leaves the job queued, says so, and counts it. */
    @Test
    void aDrainThatCannotStartLeavesItsJobQueued() throws Exception {
        DrainLeases leases = drains.leases().orElseThrow();
        awaitNoDrain(leases);
        queue.intake().submit(Jobs.crc("unstarted", "123456789"));
        long failedBefore = drains.startFailures();
        assertFalse(
                drains.start(DrainFunctionResource.ALIAS_ARN.replace("packetfs-drain", "packetfs-missing"), "test"));
        assertEquals(
                failedBefore + 1,
                drains.startFailures(),
                "counted (packetfs.drain.starts{outcome=failed}, DrainStartFailures)");
        DrainLeases.Step now = leases.look();
        assertEquals(0, now.running(), "its lease was given back");
        assertEquals(1, now.waiting(), "the job waits for the schedule");
        assertEquals(
                "queued",
                given().get("/jobs/unstarted")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getString("state"));
        // The next submission's start finds no drain and starts one, which takes the job too.
        drains.jobsArrived();
        assertEquals("succeeded", awaitFinished("unstarted").getString("status"));
    }

    private static JsonPath awaitFinished(String id) throws InterruptedException {
        long until = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < until) {
            var r = given().get("/results/" + id);
            if (r.statusCode() == 200) {
                return r.jsonPath();
            }
            Thread.sleep(100);
        }
        throw new AssertionError(id + " did not finish within " + PATIENCE + ": "
                + given().get("/jobs/" + id).asString());
    }

    /** No drain holds a lease, and none is still finishing (its function has returned). */
    private static void awaitNoDrain(DrainLeases leases) throws InterruptedException {
        long until = System.nanoTime() + PATIENCE.toNanos();
        while (leases.look().running() > 0 || DrainFunctionResource.lambda.running() > 0) {
            assertTrue(System.nanoTime() < until, "the drains stop once idle");
            Thread.sleep(100);
        }
    }
}
