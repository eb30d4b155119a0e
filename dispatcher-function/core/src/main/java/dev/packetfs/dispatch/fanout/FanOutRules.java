package dev.packetfs.dispatch.fanout;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.job.WindowRef;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.queue.CancelOutcome;
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
 * The rules of fan-out jobs (docs/jobs.md#fan-out), written once: which windows a parent issues
 * and when (room, the cap, one at a time for a chained fnv64, the budget), how answers fold into it
 * (first answer per window, charges, hedges won), when it ends (merged, failed, changed, cancelled,
 * stopped by its budget) and when it plans again (its object changed and {@code on_change} allows).
 *
 * <p>The in-memory queue runs these rules as they are, under its lock. The Redis queue runs them
 * in Lua (fanout.lua and the scripts that include it), where they must be atomic; the table of
 * cases {@code FanOutCases} generates from this class (fanout-cases.json, in dispatcher-function/contracts) is
 * replayed through every backend, and a backend that disagrees on any case fails, as
 * kernel/spec/vectors.json pins the kernels. Not thread-safe: the caller holds a lock.
 */
public final class FanOutRules {
    private final Map<String, Parent> parents = new HashMap<>();
    /** Queues one window's job text. */
    private final Consumer<String> issue;
    /** Stores a parent's result. */
    private final Consumer<JobResult> finish;
    /** Queues a parent to be planned again. */
    private final Restart restart;

    /** Queues a parent to be planned again: its job as submitted, its delivery token, and which restart this is. */
    @FunctionalInterface
    public interface Restart {
        void queue(String job, String token, int restarts);
    }

    public FanOutRules(Consumer<String> issue, Consumer<JobResult> finish, Restart restart) {
        this.issue = issue;
        this.finish = finish;
        this.restart = restart;
    }

    /** One parent: what fanout:job:<id> holds in Redis. */
    private static final class Parent {
        WindowPlan plan;
        FanOutLimits limits;
        WindowTemplate template;
        /** 0, or the restart whose windows count now. */
        int planNumber;

        int restarts;
        final String job;
        final String token;
        final Instant startedAt = Instant.now();
        final Map<Long, ObjectNode> answers = new HashMap<>();
        final Set<String> hedged = new HashSet<>();
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

        Parent(WindowPlan plan, FanOutLimits limits, WindowTemplate template, String job, String token) {
            this.job = job;
            this.token = token;
            replan(plan, limits, template, 0);
        }

        /** A new plan in place: what it spent, its hedges and when it started stay. */
        void replan(WindowPlan newPlan, FanOutLimits newLimits, WindowTemplate newTemplate, int number) {
            plan = newPlan;
            limits = newLimits;
            template = newTemplate;
            planNumber = number;
            fnvNext = newLimits.firstFnvState();
            state = "running";
            next = 0;
        }

        long done() {
            return answers.size();
        }

        boolean runs(WindowRef w) {
            return state.equals("running") && w.plan() == planNumber;
        }

        FanOutProgress progress() {
            return new FanOutProgress(
                    plan.parentId(),
                    plan.op(),
                    state,
                    plan.windows(),
                    next,
                    done(),
                    plan.objectBytes(),
                    plan.windowBytes(),
                    plan.bytes(),
                    bytesDone,
                    cost,
                    executions,
                    hedges,
                    hedgesWon,
                    limits.maxCostPicoUsd(),
                    startedAt,
                    error,
                    shares,
                    plan.version(),
                    restarts,
                    limits.maxRestarts());
        }
    }

    /**
     * Plans a parent (restart 0), or plans again one whose object changed ({@code restart} its
     * number): plan.lua's rules. Returns false when this plan is not wanted (planned already, or
     * not waiting for this restart).
     */
    public boolean plan(
            WindowPlan plan, FanOutLimits limits, WindowTemplate template, String job, String token, int restart) {
        Parent p = parents.get(plan.parentId());
        if (restart == 0) {
            if (p != null) {
                return false;
            }
            p = new Parent(plan, limits, template, job, token);
            parents.put(plan.parentId(), p);
        } else if (p == null || !p.state.equals("restarting") || p.restarts != restart) {
            return false;
        } else {
            p.replan(plan, limits, template, restart);
        }
        refill(p);
        return true;
    }

    /** A restart whose new version cannot be planned: the parent ends as failed, with what it spent. */
    public void unplannable(String parentId, int restart, String error) {
        Parent p = parents.get(parentId);
        if (p == null || !p.state.equals("restarting") || p.restarts != restart) {
            return;
        }
        p.state = "failed";
        p.error = error;
        finish(p, FanOutMerge.ended(p.progress(), Instant.now()));
    }

    /** Whether a delivered window should run: its parent runs its plan and the window is not answered yet. */
    public boolean wanted(WindowRef w) {
        Parent p = parents.get(w.parent());
        return p != null && p.runs(w) && !p.answers.containsKey(w.index());
    }

    /** Every settled execution of a window is charged to its parent while the parent exists. */
    public void charge(WindowRef w, ExecutionRecord r) {
        Parent p = parents.get(w.parent());
        if (p == null) {
            return;
        }
        p.cost += r.costPicoUsd();
        p.executions++;
        p.shares.merge(r.substrate(), new FanOutProgress.Share(0, 0, r.costPicoUsd(), 1), FanOutProgress.Share::plus);
    }

    /** A window's answer; the first one for its index counts. */
    public void answered(WindowRef w, ObjectNode result, String substrate) {
        Parent p = parents.get(w.parent());
        if (p == null || !p.runs(w) || p.answers.putIfAbsent(w.index(), result) != null) {
            return;
        }
        long bytes = result.path("bytes_processed").asLong();
        p.bytesDone += bytes;
        p.shares.merge(
                substrate == null ? "none" : substrate,
                new FanOutProgress.Share(1, bytes, 0, 0),
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
            finish(
                    p,
                    FanOutMerge.succeeded(
                            p.progress(), inOrder, Duration.ofNanos(System.nanoTime() - t0), Instant.now()));
        } else {
            refill(p);
        }
    }

    /**
     * A window failed for good: its parent fails, unless a hedge (or the window itself) answered.
     * A window that found its object changed ends its parent as {@code changed}, or plans it again
     * while its {@code on_change} allows.
     *
     * @param error as {@link FanOutMerge#windowFailed} or {@link FanOutMerge#windowFoundChanged} words it
     */
    public void failed(WindowRef w, String error, boolean changed) {
        Parent p = parents.get(w.parent());
        if (w.hedge() || p == null || !p.runs(w) || p.answers.containsKey(w.index())) {
            return;
        }
        p.error = error;
        if (changed && p.restarts < p.limits.maxRestarts()) {
            restart(p);
            return;
        }
        p.state = changed ? "changed" : "failed";
        finish(p, FanOutMerge.ended(p.progress(), Instant.now()));
    }

    /** fanoutRestart: the plan and its answers are forgotten, and the parent is queued to be planned again. */
    private void restart(Parent p) {
        p.restarts++;
        p.state = "restarting";
        p.answers.clear();
        p.bytesDone = 0;
        p.hedgesWon = 0;
        p.next = 0;
        p.shares.replaceAll((name, s) -> new FanOutProgress.Share(0, 0, s.costPicoUsd(), s.executions()));
        restart.queue(p.job, p.token, p.restarts);
    }

    /**
     * {@code DELETE /jobs/{id}} of a parent: it starts no more windows and ends as cancelled.
     *
     * @return {@code CANCELLING}, {@code FINISHED} (it ended already, or is ending), or
     *     {@code UNKNOWN} when no fan-out job of that id is in progress
     */
    public CancelOutcome cancel(String parentId) {
        Parent p = parents.get(parentId);
        if (p == null) {
            return CancelOutcome.UNKNOWN;
        }
        if (!p.state.equals("running") && !p.state.equals("restarting")) {
            return CancelOutcome.FINISHED;
        }
        p.state = "cancelled";
        finish(p, FanOutMerge.ended(p.progress(), Instant.now()));
        return CancelOutcome.CANCELLING;
    }

    /** hedge.lua's rules; the caller queues the duplicate when this says yes. */
    public boolean mayHedge(WindowRef w, double afterFraction) {
        Parent p = parents.get(w.parent());
        if (p == null
                || !p.runs(w)
                || p.answers.containsKey(w.index())
                || p.done() < afterFraction * p.plan.windows()
                || !p.hedged.add(w.plan() + ":" + w.index())) {
            return false;
        }
        p.hedges++;
        return true;
    }

    public FanOutProgress progress(String parentId) {
        Parent p = parents.get(parentId);
        return p == null ? null : p.progress();
    }

    public List<FanOutProgress> running(int max) {
        return parents.values().stream()
                .sorted(Comparator.comparing((Parent p) -> p.startedAt).reversed())
                .limit(max)
                .map(Parent::progress)
                .toList();
    }

    private void finish(Parent p, JobResult result) {
        parents.remove(p.plan.parentId());
        finish.accept(result);
    }

    /** Issues windows while the parent has room, or stops it: {@link #room}'s rule. */
    private void refill(Parent p) {
        long room = room(p.next, p.done(), p.plan.windows(), p.limits, p.cost);
        if (room < 0) {
            p.state = "stopped";
            finish(p, FanOutMerge.ended(p.progress(), Instant.now()));
            return;
        }
        for (long k = 0; k < room; k++) {
            long i = p.next++;
            issue.accept(p.template.json(i, p.plan.offset(i), p.plan.length(i), p.limits.chained() ? p.fnvNext : null));
        }
    }

    /**
     * How many windows a parent issues now (fanout.lua's fanoutRefill): at most
     * {@code maxOutstanding} queued or running (one for a chained fnv64), none past its last, and,
     * under a budget, only as many as it can still pay for at the larger of the estimated and the
     * observed cost per window. -1: it stops, because it can issue nothing, has nothing running
     * and has windows left.
     *
     * @param next windows issued so far
     * @param done windows answered
     * @param cost what its executions cost so far, 10^-12 USD
     */
    public static long room(long next, long done, long windows, FanOutLimits limits, long cost) {
        long outstanding = next - done;
        long room = limits.chained() ? (outstanding == 0 ? 1 : 0) : limits.maxOutstanding() - outstanding;
        room = Math.min(room, windows - next);
        if (limits.maxCostPicoUsd() >= 0) {
            double per = Math.max(limits.estimatePicoUsd(), done > 0 ? (double) cost / done : 0);
            if (per > 0) {
                long affordable = (long) Math.floor((limits.maxCostPicoUsd() - cost) / per) - outstanding;
                room = Math.min(room, affordable);
            }
        }
        if (room <= 0 && outstanding == 0 && next < windows) {
            return -1;
        }
        return Math.max(0, room);
    }
}
