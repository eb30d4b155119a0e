package dev.packetfs.dispatch.queue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.fanout.FanOutLimits;
import dev.packetfs.dispatch.fanout.FanOutMerge;
import dev.packetfs.dispatch.fanout.FanOutProgress;
import dev.packetfs.dispatch.fanout.WindowPlan;
import dev.packetfs.dispatch.fanout.WindowTemplate;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.job.WindowRef;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The in-memory queue's fan-out jobs: the same rules as the Redis queue's scripts (fanout.lua and
 * the scripts that include it), kept under the queue's lock. Windows are issued as they are
 * needed, a parent holds at most its outstanding windows in the queue, and the parent's result is
 * stored the moment its last window is in (there is no second dispatcher to hand the merge to).
 */
final class InMemoryFanOuts {
    private final Map<String, Parent> parents = new HashMap<>();
    /** Queues one window's job text. */
    private final Consumer<String> issue;
    /** Stores a parent's result. */
    private final Consumer<JobResult> finish;

    InMemoryFanOuts(Consumer<String> issue, Consumer<JobResult> finish) {
        this.issue = issue;
        this.finish = finish;
    }

    /** One parent: what fanout:job:<id> holds in Redis. */
    private static final class Parent {
        final WindowPlan plan;
        final FanOutLimits limits;
        final WindowTemplate template;
        final Instant startedAt = Instant.now();
        final Map<Long, ObjectNode> answers = new HashMap<>();
        final Set<Long> hedged = new HashSet<>();
        final Map<String, FanOutProgress.Share> shares = new HashMap<>();
        String state = "running";
        String error;
        String fnvNext;
        long next;
        long bytesDone;
        long cost;
        long executions;
        long hedges;
        long hedgesWon;

        Parent(WindowPlan plan, FanOutLimits limits, WindowTemplate template) {
            this.plan = plan;
            this.limits = limits;
            this.template = template;
            this.fnvNext = limits.firstFnvState();
        }

        long done() {
            return answers.size();
        }

        FanOutProgress progress() {
            return new FanOutProgress(plan.parentId(), plan.op(), state, plan.windows(), next, done(), plan.objectBytes(),
                    plan.windowBytes(), plan.bytes(), bytesDone, cost, executions, hedges, hedgesWon,
                    limits.maxCostPicoUsd(), startedAt, error, shares);
        }
    }

    boolean planned(String parentId) {
        return parents.containsKey(parentId);
    }

    void plan(WindowPlan plan, FanOutLimits limits, WindowTemplate template) {
        Parent p = new Parent(plan, limits, template);
        parents.put(plan.parentId(), p);
        refill(p);
    }

    /** Whether a delivered window should run: its parent runs and the window is not answered yet. */
    boolean wanted(WindowRef w) {
        Parent p = parents.get(w.parent());
        return p != null && p.state.equals("running") && !p.answers.containsKey(w.index());
    }

    /** Every settled execution of a window is charged to its parent while the parent exists. */
    void charge(WindowRef w, ExecutionRecord r) {
        Parent p = parents.get(w.parent());
        if (p == null) {
            return;
        }
        p.cost += r.costPicoUsd();
        p.executions++;
        p.shares.merge(r.substrate(), new FanOutProgress.Share(0, 0, r.costPicoUsd(), 1), FanOutProgress.Share::plus);
    }

    /** A window's answer; the first one for its index counts. */
    void answered(WindowRef w, ObjectNode result, String substrate) {
        Parent p = parents.get(w.parent());
        if (p == null || !p.state.equals("running") || p.answers.putIfAbsent(w.index(), result) != null) {
            return;
        }
        long bytes = result.path("bytes_processed").asLong();
        p.bytesDone += bytes;
        p.shares.merge(substrate == null ? "none" : substrate, new FanOutProgress.Share(1, bytes, 0, 0),
                FanOutProgress.Share::plus);
        if (w.hedge()) {
            p.hedgesWon++;
        }
        if (p.limits.chained()) {
            p.fnvNext = result.path("hash").asText();
        }
        if (p.done() >= p.plan.windows()) {
            p.state = "merging";
            long t0 = System.nanoTime();
            List<ObjectNode> inOrder = new ArrayList<>();
            for (long i = 0; i < p.plan.windows(); i++) {
                inOrder.add(p.answers.get(i));
            }
            finish(p, FanOutMerge.succeeded(p.progress(), inOrder, Duration.ofNanos(System.nanoTime() - t0), Instant.now()));
        } else {
            refill(p);
        }
    }

    /**
     * A window failed for good: its parent fails, unless a hedge (or the window itself) answered.
     *
     * @param error as {@link FanOutMerge#windowFailed} words it
     */
    void failed(WindowRef w, String error) {
        Parent p = parents.get(w.parent());
        if (w.hedge() || p == null || !p.state.equals("running") || p.answers.containsKey(w.index())) {
            return;
        }
        p.state = "failed";
        p.error = error;
        finish(p, FanOutMerge.ended(p.progress(), Instant.now()));
    }

    /** @return null when {@code parentId} is not a fan-out job in progress */
    CancelOutcome cancel(String parentId) {
        Parent p = parents.get(parentId);
        if (p == null) {
            return null;
        }
        if (!p.state.equals("running")) {
            return CancelOutcome.FINISHED;
        }
        p.state = "cancelled";
        finish(p, FanOutMerge.ended(p.progress(), Instant.now()));
        return CancelOutcome.CANCELLING;
    }

    /** hedge.lua's rules; the caller queues the duplicate when this says yes. */
    boolean mayHedge(WindowRef w, double afterFraction) {
        Parent p = parents.get(w.parent());
        if (p == null || !p.state.equals("running") || p.answers.containsKey(w.index())
                || p.done() < afterFraction * p.plan.windows() || !p.hedged.add(w.index())) {
            return false;
        }
        p.hedges++;
        return true;
    }

    FanOutProgress progress(String parentId) {
        Parent p = parents.get(parentId);
        return p == null ? null : p.progress();
    }

    List<FanOutProgress> running(int max) {
        return parents.values().stream().sorted(Comparator.comparing((Parent p) -> p.startedAt).reversed())
                .limit(max).map(Parent::progress).toList();
    }

    private void finish(Parent p, JobResult result) {
        parents.remove(p.plan.parentId());
        finish.accept(result);
    }

    /**
     * Issues windows while the parent has room: at most {@code maxOutstanding} queued or running
     * (one for a chained fnv64), and, under a budget, only as many as it can still pay for at the
     * larger of the estimated and the observed cost per window. A parent that can issue nothing,
     * has nothing running and has windows left is stopped.
     */
    private void refill(Parent p) {
        long outstanding = p.next - p.done();
        long room = p.limits.chained() ? (outstanding == 0 ? 1 : 0) : p.limits.maxOutstanding() - outstanding;
        room = Math.min(room, p.plan.windows() - p.next);
        if (p.limits.maxCostPicoUsd() >= 0) {
            double per = Math.max(p.limits.estimatePicoUsd(), p.done() > 0 ? (double) p.cost / p.done() : 0);
            if (per > 0) {
                long affordable = (long) Math.floor((p.limits.maxCostPicoUsd() - p.cost) / per) - outstanding;
                room = Math.min(room, affordable);
            }
        }
        if (room <= 0 && outstanding == 0 && p.next < p.plan.windows()) {
            p.state = "stopped";
            finish(p, FanOutMerge.ended(p.progress(), Instant.now()));
            return;
        }
        for (long k = 0; k < room; k++) {
            long i = p.next++;
            issue.accept(p.template.json(i, p.plan.offset(i), p.plan.length(i), p.limits.chained() ? p.fnvNext : null));
        }
    }
}
