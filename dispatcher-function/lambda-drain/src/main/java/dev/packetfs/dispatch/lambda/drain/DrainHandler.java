package dev.packetfs.dispatch.lambda.drain;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.packetfs.dispatch.engine.Dispatcher;
import dev.packetfs.dispatch.runtime.EmbeddedMetrics;
import dev.packetfs.dispatch.runtime.PacketfsConfig;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import jakarta.inject.Provider;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * One scheduled drain: runs the dispatch loop until {@code packetfs.drain.margin} before this
 * invocation's deadline, stops taking jobs, lets what is in flight finish, and reports. Anything
 * that cannot finish stays in the queue's pending list and is taken over after its visibility
 * timeout, by the next drain or any dispatcher. The event (an EventBridge scheduled event) is
 * not read: the schedule is the trigger.
 */
@Named("drain")
public class DrainHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static final Logger LOG = Logger.getLogger(DrainHandler.class);

    // Resolved at the first invocation, not at init: with SnapStart, connections opened during
    // init would be restored stale from the snapshot.
    @Inject
    Provider<Dispatcher> dispatcher;

    @Inject
    PacketfsConfig config;

    @Inject
    Optional<EmbeddedMetrics> cloudWatch;

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        PacketfsConfig.Drain drain = config.drain();
        long remaining = context == null ? -1 : context.getRemainingTimeInMillis();
        // No deadline from the runtime (a local test harness): the configured budget applies.
        Duration budget = remaining > 0
                ? min(Duration.ofMillis(remaining).minus(drain.margin()), drain.maxBudget())
                : drain.maxBudget();
        Duration grace = remaining > 0 ? min(drain.margin().dividedBy(2), Duration.ofSeconds(30)) : drain.margin();
        Dispatcher.DrainReport report;
        try {
            report = dispatcher.get().drain(budget.isNegative() ? Duration.ZERO : budget, drain.idleStop(), grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("drain interrupted", e);
        }
        LOG.infof("drain: took %d, settled %d, left %d in flight, ran %s", report.taken(), report.settled(),
                report.leftInFlight(), report.ran());
        // Before the function returns: Lambda freezes it after, and a timer's flush would wait for the next run.
        cloudWatch.ifPresent(EmbeddedMetrics::flush);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("taken", report.taken());
        out.put("settled", report.settled());
        out.put("left_in_flight", report.leftInFlight());
        out.put("ran_ms", report.ran().toMillis());
        out.put("budget_ms", budget.toMillis());
        return out;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
