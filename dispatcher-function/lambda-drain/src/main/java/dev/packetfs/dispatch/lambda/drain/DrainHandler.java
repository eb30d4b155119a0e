package dev.packetfs.dispatch.lambda.drain;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.packetfs.dispatch.engine.Dispatcher;
import dev.packetfs.dispatch.queue.redis.DrainLeases;
import dev.packetfs.dispatch.runtime.DrainStarter;
import dev.packetfs.dispatch.runtime.EmbeddedMetrics;
import dev.packetfs.dispatch.runtime.PacketfsConfig;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import jakarta.inject.Provider;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * One drain: runs the dispatch loop until {@code packetfs.drain.margin} before this invocation's
 * deadline or until the queue has been idle for {@code packetfs.drain.idle-stop}, stops taking
 * jobs, lets what is in flight finish, and reports. Anything that cannot finish stays in the
 * queue's pending list and is taken over after its visibility timeout, by the next drain or any
 * dispatcher.
 *
 * <p>It is started by the schedule (an EventBridge event, not read) or by a submission through the
 * HTTP API ({@code {"drain_id": ...}}, {@link DrainStarter}). With a Redis queue it holds a lease
 * while it runs ({@link DrainLeases}): a scheduled drain beyond {@code packetfs.drain.max-drains}
 * stops at once; every second a running one renews its lease and starts another drain of its own
 * function while the backlog per drain is above {@code packetfs.drain.jobs-per-drain}; it stops
 * only when no job waits, and a drain stopped by its budget with jobs waiting starts its successor.
 */
@Named("drain")
public class DrainHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static final Logger LOG = Logger.getLogger(DrainHandler.class);
    private static final Pattern DRAIN_ID = Pattern.compile("[0-9a-f-]{36}");

    // Resolved at the first invocation, not at init: with SnapStart, connections opened during
    // init would be restored stale from the snapshot.
    @Inject
    Provider<Dispatcher> dispatcher;

    @Inject
    Provider<DrainStarter> starter;

    @Inject
    PacketfsConfig config;

    @Inject
    Optional<EmbeddedMetrics> cloudWatch;

    private final ScheduledExecutorService renewals = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "packetfs-drain-lease");
        t.setDaemon(true);
        return t;
    });

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        PacketfsConfig.Drain drain = config.drain();
        long remaining = context == null ? -1 : context.getRemainingTimeInMillis();
        // No deadline from the runtime (a local test harness): the configured budget applies.
        Duration budget = remaining > 0
                ? min(Duration.ofMillis(remaining).minus(drain.margin()), drain.maxBudget())
                : drain.maxBudget();
        Duration grace = remaining > 0 ? min(drain.margin().dividedBy(2), Duration.ofSeconds(30)) : drain.margin();
        Object given = event == null ? null : event.get("drain_id");
        String id = given instanceof String s && DRAIN_ID.matcher(s).matches() ? s : "scheduled-" + UUID.randomUUID();
        // The function more drains are started of: the configured one, else this function as it was
        // invoked (its alias) when it runs on Lambda (not in a test harness's JVM).
        String self = config.drain()
                .kick()
                .function()
                .orElse(
                        context != null && System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null
                                ? context.getInvokedFunctionArn()
                                : null);
        DrainStarter drains = starter.get();
        Optional<DrainLeases> available = drains.leases();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("drain_id", id);
        if (available.isPresent()) {
            DrainLeases.Step joined;
            try {
                joined = available.get().join(id, drain.lease(), drain.maxDrains());
            } catch (RuntimeException e) {
                // Redis is unreachable: the loop waits for it as any dispatcher does, without a lease.
                LOG.warnf("drain %s: taking its lease failed (%s); draining without one", id, e.getMessage());
                joined = new DrainLeases.Step(true, 0, 0);
                available = Optional.empty();
            }
            if (!joined.done()) {
                LOG.infof(
                        "drain %s: %d drains run already (packetfs.drain.max-drains); not starting another",
                        id, joined.running());
                out.put("ran", false);
                return out;
            }
        }
        Optional<DrainLeases> leases = available;
        var renewal = leases.map(
                l -> renewals.scheduleWithFixedDelay(() -> keep(l, id, self, drains), 1, 1, TimeUnit.SECONDS));
        Dispatcher.DrainReport report;
        DrainLeases.Step last = null;
        try {
            report = dispatcher
                    .get()
                    .drain(
                            budget.isNegative() ? Duration.ZERO : budget,
                            drain.idleStop(),
                            grace,
                            () -> leases.map(l -> mayStop(l, id)).orElse(true));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("drain interrupted", e);
        } finally {
            renewal.ifPresent(r -> r.cancel(false));
            if (leases.isPresent()) {
                last = release(leases.get(), id);
            }
        }
        LOG.infof(
                "drain %s: took %d, settled %d, left %d in flight, ran %s",
                id, report.taken(), report.settled(), report.leftInFlight(), report.ran());
        // Stopped by its budget with jobs left: their successor starts now, not at the next tick.
        if (last != null && last.waiting() > 0 && self != null) {
            drains.start(self, "successor");
        }
        // Before the function returns: Lambda freezes it after, and a timer's flush would wait for the next run.
        cloudWatch.ifPresent(EmbeddedMetrics::flush);
        out.put("ran", true);
        out.put("taken", report.taken());
        out.put("settled", report.settled());
        out.put("left_in_flight", report.leftInFlight());
        out.put("ran_ms", report.ran().toMillis());
        out.put("budget_ms", budget.toMillis());
        return out;
    }

    /** Every second: the lease renewed, and another drain started while the backlog per drain is high. */
    private void keep(DrainLeases leases, String id, String self, DrainStarter drains) {
        try {
            leases.renew(id, config.drain().lease());
            if (self != null) {
                drains.start(self, "backlog");
            }
        } catch (RuntimeException e) {
            LOG.warnf("drain %s: renewing its lease failed: %s", id, e.getMessage());
        }
    }

    /** Idle: the lease is given up unless a job waits after all (then it keeps taking jobs). */
    private boolean mayStop(DrainLeases leases, String id) {
        try {
            return leases.stop(id, config.drain().lease()).done();
        } catch (RuntimeException e) {
            return true; // Redis is unreachable: nothing can be taken; the schedule starts the next drain
        }
    }

    private static DrainLeases.Step release(DrainLeases leases, String id) {
        try {
            return leases.cancel(id);
        } catch (RuntimeException e) {
            return null; // the lease expires by itself
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
