package dev.packetfs.dispatch.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.fanout.WindowPlan;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.JobStatus;
import dev.packetfs.dispatch.queue.Settlement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fan-out table ({@link FanOutCases}, generated from the rules as written once in Java)
 * replayed through a queue backend, nested in each queue contract test: the test plays the
 * dispatcher through the queue's own ports, and after every step compares what the backend did
 * (the windows it delivered, the parent's progress, its result once merged) with the table. The
 * first case and step they disagree on fails, with both sides.
 */
public abstract class FanOutCasesContract {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private JobQueue queue;
    /** Windows delivered and not settled, by job id; deliveries seen, by handle. */
    private final Map<String, Delivery> outstanding = new HashMap<>();

    private final Set<String> seen = new HashSet<>();

    protected abstract JobQueue queueUnderTest();

    @BeforeEach
    void bind() {
        queue = queueUnderTest();
    }

    @Test
    void everyCaseOfTheTableGoesAsTheRulesSay() throws Exception {
        List<FanOutCases.Case> cases = FanOutCases.read();
        assertEquals(FanOutCases.CASES, cases.size(), "the whole table was read");
        for (FanOutCases.Case c : cases) {
            outstanding.clear();
            queue.intake().submit(c.parent());
            Delivery parent = deliveries(1, true).get(0);
            assertEquals(c.parent().jobId(), parent.jobId());
            queue.delivery()
                    .settle(List.of(new Settlement.Planned(
                            parent, WindowPlan.of(c.parent(), FanOutQueueContract.OBJECT.length), c.limits())));
            compare(c, "planning", c.planned(), observe(c, c.planned()));
            int n = 0;
            for (FanOutCases.Step step : c.steps()) {
                ObjectNode acted = act(c, step);
                ObjectNode seenNow = observe(c, step.expect());
                seenNow.setAll(acted);
                compare(c, "step " + n++ + " (" + step.action() + ")", step.expect(), seenNow);
            }
        }
    }

    /** Takes the step through the queue's ports; what it answered, in the table's terms. */
    private ObjectNode act(FanOutCases.Case c, FanOutCases.Step step) {
        ObjectNode n = JSON.objectNode();
        switch (step.action()) {
            case "cancel" ->
                n.put("cancel", queue.intake().cancel(c.parent().jobId()).name());
            case "hedge" ->
                n.put(
                        "hedged",
                        queue.delivery()
                                .hedgeAsync(window(c, step.index(), false), "flyio", step.after())
                                .join());
            default -> {
                Delivery d = window(c, step.index(), step.hedge());
                outstanding.remove(d.jobId());
                queue.delivery().settle(List.of(settlement(d, step)));
            }
        }
        return n;
    }

    private Settlement settlement(Delivery d, FanOutCases.Step step) {
        if (step.action().equals("answer")) {
            JobResult r = FanOutCases.answerOf(d.job(), step.substrate(), step.cost());
            return new Settlement.Done(
                    d,
                    r,
                    new ExecutionRecord(
                            d.jobId(),
                            step.substrate(),
                            null,
                            1,
                            step.cost(),
                            r.result().path("bytes_processed").asLong(),
                            Instant.now()));
        }
        String error = FanOutCases.failure(d.job());
        return new Settlement.Done(
                d,
                JobResult.failed(d.jobId(), step.substrate(), d.attempts() + 1, 1, error),
                new ExecutionRecord(d.jobId(), step.substrate(), "origin_error", 1, step.cost(), 0, Instant.now()));
    }

    private Delivery window(FanOutCases.Case c, long index, boolean hedge) {
        String id = c.parent().jobId() + "~w" + index + (hedge ? "~h" : "");
        Delivery d = outstanding.get(id);
        if (d == null) {
            throw new AssertionError(c.name() + ": the table settles " + id + ", which the queue never delivered");
        }
        return d;
    }

    /** What the backend did after a step, in the table's terms. */
    private ObjectNode observe(FanOutCases.Case c, JsonNode expected) throws InterruptedException {
        ObjectNode n = JSON.objectNode();
        ArrayNode windows = n.putArray("issued");
        List<Delivery> got = deliveries(expected.path("issued").size(), false);
        got.sort((a, b) -> Boolean.compare(
                a.job().window().hedge(), b.job().window().hedge())); // hedges last, as the table has them
        for (Delivery d : got) {
            outstanding.put(d.jobId(), d);
            windows.add(FanOutCases.window(d.job()));
        }
        if (expected.has("result")) {
            n.set("result", FanOutCases.result(awaitResult(c.parent().jobId())));
        } else {
            Optional<JobStatus> status = queue.records().status(c.parent().jobId());
            n.set(
                    "progress",
                    status.isPresent() && status.get().fanOut() != null
                            ? FanOutCases.progress(status.get().fanOut())
                            : JSON.textNode("no progress: " + status));
        }
        return n;
    }

    /**
     * Deliveries taken now: at least {@code atLeast} (a backend that holds fewer fails on the
     * comparison, after a bounded wait), then whatever else is there. A delivery seen before (its
     * visibility lapsed and the queue handed it out again) is not new.
     */
    private List<Delivery> deliveries(int atLeast, boolean parent) throws InterruptedException {
        List<Delivery> out = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            List<Delivery> got =
                    queue.delivery().take(100, out.size() < atLeast ? Duration.ofMillis(50) : Duration.ZERO);
            for (Delivery d : got) {
                if (seen.add(d.handle()) && (parent || d.job().window() != null)) {
                    out.add(d);
                }
            }
            if ((got.isEmpty() && out.size() >= atLeast) || System.nanoTime() > until) {
                return out;
            }
        }
    }

    /** A merge may run after the step that ended the parent (on Redis, when its entry is taken). */
    private JobResult awaitResult(String parentId) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until) {
            Optional<JobResult> r = queue.records().result(parentId);
            if (r.isPresent()) {
                return r.get();
            }
            deliveries(0, false).forEach(d -> outstanding.put(d.jobId(), d));
        }
        throw new AssertionError(parentId + " did not end: " + queue.records().status(parentId));
    }

    private static void compare(FanOutCases.Case c, String when, JsonNode expected, ObjectNode actual) {
        assertEquals(
                FanOutCases.canonical((ObjectNode) expected).toString(),
                FanOutCases.canonical(actual).toString(),
                c.name() + " (" + c.parent().program().op().wireName() + ", " + c.limits() + "), " + when
                        + ": the backend disagrees with the rules");
    }
}
