package dev.packetfs.dispatch.lambda.drain;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.contract.Jobs;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.redis.DrainLeases;
import dev.packetfs.dispatch.runtime.DrainStarter;
import dev.packetfs.dispatch.select.SubstrateSelector;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.testing.RangeOrigin;
import dev.packetfs.testing.RedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The drain handler invoked as Lambda invokes it, with an EventBridge scheduled event posted to
 * Quarkus' mock event server, working a real Redis queue. The budget is short here so that one
 * drain cannot finish everything: what it leaves stays queued for the next.
 */
@QuarkusTest
@QuarkusTestResource(RedisTestResource.class)
@TestProfile(DrainHandlerIT.ShortBudget.class)
class DrainHandlerIT {
    static final String SCHEDULED_EVENT = """
            {"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event",
             "source":"aws.events","account":"123456789012","time":"2026-11-25T00:00:00Z","region":"us-east-1",
             "resources":["arn:aws:events:us-east-1:123456789012:rule/packetfs-drain"],"detail":{}}""";

    public static class ShortBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "packetfs.drain.max-budget",
                    "1500ms",
                    "packetfs.drain.idle-stop",
                    "500ms",
                    "packetfs.drain.margin",
                    "5s",
                    "packetfs.local.max-concurrency",
                    "2",
                    "packetfs.fetch.allow-hosts",
                    "127.0.0.1");
        }
    }

    @Inject
    SubstrateSelector selector;

    @Inject
    JobQueue queue;

    @Inject
    DrainStarter drains;

    static JsonPath drain() {
        return given().contentType("application/json")
                .body(SCHEDULED_EVENT)
                .post()
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    @Test
    void eachDrainRunsWhatFitsItsBudgetAndLeavesTheRestQueued() throws Exception {
        try (RangeOrigin origin = new RangeOrigin()) {
            byte[] object = "the quick brown fox jumps over the lazy dog".getBytes();
            origin.put("o", object);
            List<ComputeJob> jobs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                // 100 ms each at two at a time: about 2 s of work, more than one 1.5 s drain.
                jobs.add(ComputeJob.of(
                        "slow-" + i,
                        new Program(
                                Op.COUNTEQ,
                                'o',
                                origin.url("/delay/100/ranged/o"),
                                null,
                                i % 7,
                                20,
                                OptionalLong.empty())));
            }
            queue.intake().submit(jobs);

            JsonPath first = drain();
            long done = countResults(jobs);
            assertTrue(first.getLong("settled") > 0 && done < jobs.size(), "first drain did part: " + first.prettify());
            assertEquals(0, first.getLong("left_in_flight"), "what it took, it finished within its grace");

            for (int round = 0; round < 5 && countResults(jobs) < jobs.size(); round++) {
                drain();
            }
            for (ComputeJob job : jobs) {
                JobResult r = queue.records().result(job.jobId()).orElseThrow();
                assertEquals(
                        Kernel.execute(job.program(), object).value(),
                        r.result().get("count").asLong());
            }
        }
    }

    /** No WebSocket of its own and no edge coordinator: no volunteer could ever join, so none is offered. */
    @Test
    void withoutAnEdgeCoordinatorItOffersNoVolunteers() {
        assertFalse(selector.names().contains("browser"), selector.names().toString());
        assertTrue(selector.names().contains("local"), selector.names().toString());
    }

    @Test
    void anEmptyQueueEndsTheDrainEarly() {
        queue.intake().submit(Jobs.crc("quick", "x"));
        JsonPath report = drain();
        assertTrue(report.getLong("ran_ms") < 1500, report.prettify());
        assertTrue(queue.records().result("quick").isPresent());
    }

    /** The most drains hold leases already: a scheduled one stops at once, leaving the job queued for them. */
    @Test
    void aScheduledDrainBeyondTheMostStopsAtOnce() {
        DrainLeases leases = drains.leases().orElseThrow();
        List<String> running =
                List.of("a", "b", "c", "d").stream().map(n -> "running-" + n).toList();
        try {
            for (String id : running) {
                assertTrue(leases.join(id, Duration.ofMinutes(1), 4).done());
            }
            queue.intake().submit(Jobs.crc("left-for-them", "x"));
            JsonPath report = drain();
            assertFalse(report.getBoolean("ran"), report.prettify());
            assertTrue(queue.records().result("left-for-them").isEmpty());
        } finally {
            running.forEach(leases::cancel);
        }
        assertTrue(drain().getBoolean("ran"));
        assertTrue(queue.records().result("left-for-them").isPresent());
    }

    private long countResults(List<ComputeJob> jobs) {
        return jobs.stream()
                .filter(j -> queue.records().result(j.jobId()).isPresent())
                .count();
    }
}
