package dev.packetfs.dispatch.fanout;

import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.JobDelivery;
import dev.packetfs.dispatch.queue.JobIntake;
import dev.packetfs.dispatch.queue.Settlement;
import dev.packetfs.dispatch.select.SubstrateState;
import dev.packetfs.protocol.fetch.FetchException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher's side of fan-out jobs: a parent delivered is planned (its object probed, then
 * cut into windows by the settlement that plans it, run as one job, or refused with the reason),
 * and a window running past its substrate's usual latency is hedged elsewhere when the queue
 * agrees. What the queue does with plans, answers and hedges is {@link FanOutRules}; this class
 * decides when to ask.
 */
public final class FanOutCoordinator {
    private static final Logger LOG = LoggerFactory.getLogger(FanOutCoordinator.class);

    /** What the coordinator needs of the dispatch loop. */
    public interface Loop {
        /** Stores a settlement (batched with the others). */
        void settle(Settlement s);

        /** The settlement of a job refused for good before it ran. */
        Settlement refused(Delivery d, String error);

        /** The settlement of a parent whose object could not be probed. */
        Settlement probeFailed(Delivery d, FetchException error);

        /** Runs the parent as one job. */
        void runAsOne(Delivery d);
    }

    private final FanOutPlanner planner;
    private final JobDelivery queue;
    private final Loop loop;
    /** Windows running, by delivery handle: where, and when the hedging timer may next ask about them. */
    private final Map<String, Running> running = new ConcurrentHashMap<>();

    private final AtomicLong hedges = new AtomicLong();

    private static final class Running {
        final Delivery window;
        final SubstrateState on;
        /** 0 once hedged. */
        volatile long hedgeAfter;

        Running(Delivery window, SubstrateState on, long hedgeAfter) {
            this.window = window;
            this.on = on;
            this.hedgeAfter = hedgeAfter;
        }
    }

    public FanOutCoordinator(FanOutPlanner planner, JobDelivery queue, Loop loop) {
        this.planner = planner;
        this.queue = queue;
        this.loop = loop;
    }

    /** Starts the hedging timer, when hedging is on, forgetting what an earlier run held. */
    public void start(ScheduledExecutorService timers) {
        running.clear();
        if (planner.settings().hedge()) {
            timers.scheduleWithFixedDelay(this::hedgeLateWindows, 100, 100, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * A job with {@code window_bytes}: the planner probes its object, then it is cut into windows
     * (queued by the settlement that plans it), runs as one job, or fails with the reason.
     */
    public void plan(Delivery d) {
        queue.planning(d, true).exceptionally(e -> null);
        planner.decide(d.job()).whenComplete((decision, error) -> {
            if (d.restarts() > 0 && !(decision instanceof FanOutPlanner.Decision.Plan)) {
                // Planned again after its object changed: its record holds what it spent, and a
                // new version that cannot be cut into windows ends it there, with the reason.
                loop.settle(new Settlement.Unplannable(
                        d,
                        "the object changed while the job ran, and its new version" + " cannot be planned: "
                                + why(decision, error)));
            } else if (error != null) {
                loop.settle(loop.refused(d, "planning failed: " + error));
            } else if (decision instanceof FanOutPlanner.Decision.Plan p) {
                LOG.debug(
                        "job {}: {} windows of {} bytes",
                        d.jobId(),
                        p.plan().windows(),
                        p.plan().windowBytes());
                loop.settle(new Settlement.Planned(d, p.plan(), p.limits()));
            } else if (decision instanceof FanOutPlanner.Decision.Refuse r) {
                loop.settle(loop.refused(d, r.error()));
            } else if (decision instanceof FanOutPlanner.Decision.ProbeFailed f) {
                loop.settle(loop.probeFailed(d, f.error()));
            } else {
                // It runs as one job, unless it was cancelled while it was being planned.
                queue.planning(d, false).whenComplete((owned, failed) -> {
                    if (Boolean.FALSE.equals(owned)) {
                        loop.settle(loop.refused(d, JobIntake.cancelledError(d.jobId())));
                    } else {
                        loop.runAsOne(d);
                    }
                });
            }
        });
    }

    private static String why(FanOutPlanner.Decision decision, Throwable error) {
        if (decision instanceof FanOutPlanner.Decision.Single single) {
            return "it would run as one job (" + single.why() + ")";
        }
        if (decision instanceof FanOutPlanner.Decision.Refuse refuse) {
            return refuse.error();
        }
        if (decision instanceof FanOutPlanner.Decision.ProbeFailed failed) {
            return "probing it failed: " + failed.error().getMessage();
        }
        return "planning failed: " + error;
    }

    /** A delivery started on {@code on}: a window (not itself a hedge) is watched for lateness. */
    public void started(Delivery d, SubstrateState on, long startNanos) {
        if (d.job().window() != null
                && !d.job().window().hedge()
                && planner.settings().hedge()) {
            running.put(d.handle(), new Running(d, on, startNanos + hedgeDelayNanos(on)));
        }
    }

    /** A delivery is settled: it is no longer watched. */
    public void settled(Delivery d) {
        running.remove(d.handle());
    }

    /**
     * How long a window may run on {@code s} before it is late: {@code hedge-factor} times the
     * latency observed there (moving average), and at least {@code hedge-min-delay}.
     */
    private long hedgeDelayNanos(SubstrateState s) {
        FanOutSettings f = planner.settings();
        return Math.max(f.hedgeMinDelay().toNanos(), (long) (f.hedgeFactor() * s.latencyMs() * 1e6));
    }

    /**
     * Windows running past their substrate's usual latency get a duplicate elsewhere, when the
     * queue agrees (most of the parent done, not hedged yet: hedge.lua). The first answer
     * completes the window; the other is charged and ignored (docs/jobs.md#stragglers). A window
     * the queue declines now is asked about again one delay later.
     */
    private void hedgeLateWindows() {
        long now = System.nanoTime();
        for (Running r : running.values()) {
            if (r.hedgeAfter == 0 || now - r.hedgeAfter < 0) {
                continue;
            }
            r.hedgeAfter = now + hedgeDelayNanos(r.on);
            try {
                queue.hedgeAsync(r.window, r.on.name(), planner.settings().hedgeAfter())
                        .whenComplete((queued, error) -> {
                            if (Boolean.TRUE.equals(queued)) {
                                r.hedgeAfter = 0; // once
                                hedges.incrementAndGet();
                                LOG.debug("window {} late on {}: hedged", r.window.jobId(), r.on.name());
                            }
                        });
            } catch (RuntimeException e) {
                LOG.debug("hedging {} failed: {}", r.window.jobId(), e.toString());
            }
        }
    }

    /** Hedges queued since the coordinator was made. */
    public long hedgesQueued() {
        return hedges.get();
    }
}
