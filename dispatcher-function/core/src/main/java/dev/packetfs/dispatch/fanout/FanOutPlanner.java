package dev.packetfs.dispatch.fanout;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.WindowRef;
import dev.packetfs.dispatch.select.Selection;
import dev.packetfs.dispatch.select.SubstrateSelector;
import dev.packetfs.kernel.Fnv64;
import dev.packetfs.kernel.Op;
import dev.packetfs.protocol.fetch.FetchException;
import dev.packetfs.protocol.fetch.ObjectSize;
import java.math.BigDecimal;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Decides what becomes of a job with {@code window_bytes}: it learns the object's size and version
 * (a HEAD, or a one-byte Range request), and then the job is cut into windows, or runs as one job (its
 * window fits in one, or its origin serves no ranges), or is refused with the reason (too many
 * windows, no substrate can run them, a plan that would pass its {@code max_cost_usd}).
 */
public final class FanOutPlanner {
    private static final BigDecimal PICO = BigDecimal.TEN.pow(12);

    private final ObjectProbe probe;
    private final Executor probes;
    private final SubstrateSelector selector;
    private final FanOutSettings settings;

    public FanOutPlanner(ObjectProbe probe, Executor probes, SubstrateSelector selector, FanOutSettings settings) {
        this.probe = probe;
        this.probes = probes;
        this.selector = selector;
        this.settings = settings;
    }

    public FanOutSettings settings() {
        return settings;
    }

    /** What the planner decided. */
    public sealed interface Decision {
        /** Cut it: the plan and what bounds it. */
        record Plan(WindowPlan plan, FanOutLimits limits) implements Decision {}

        /** Run it as it is: one job. */
        record Single(String why) implements Decision {}

        /** Fail it, for this reason (a job error: trying again would not help). */
        record Refuse(String error) implements Decision {}

        /** The object could not be probed. */
        record ProbeFailed(FetchException error) implements Decision {}
    }

    /** Probes on the probe executor (never the caller's thread) and decides. */
    public CompletableFuture<Decision> decide(ComputeJob parent) {
        return CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return probe.probe(parent.program().dataUrl(), settings.probeTimeout());
                            } catch (FetchException e) {
                                throw new CompletionException(e);
                            }
                        },
                        probes)
                .handle((size, error) -> {
                    Throwable cause =
                            error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    if (cause instanceof FetchException f) {
                        return new Decision.ProbeFailed(f);
                    }
                    if (cause != null) {
                        return new Decision.ProbeFailed(
                                new FetchException(FetchException.Kind.IO, "probing failed: " + cause, cause));
                    }
                    return decide(parent, size);
                });
    }

    /** The decision once the object's size is known. */
    public Decision decide(ComputeJob parent, ObjectSize size) {
        if (!size.known()) {
            return new Decision.Single("its origin does not say how large it is");
        }
        if (!size.ranges()) {
            return new Decision.Single("its origin serves no byte ranges");
        }
        // Every window is read from the version the probe saw, or the job fails (or is planned
        // again) when the object changes: no merge of two versions (docs/jobs.md).
        WindowPlan plan = WindowPlan.of(parent, size.bytes(), size.version());
        if (plan.single()) {
            return new Decision.Single("its window fits in one");
        }
        if (plan.windows() > settings.maxWindows()) {
            long least = (plan.bytes() - 1) / settings.maxWindows() + 1;
            return new Decision.Refuse(
                    "window_bytes: " + parent.windowBytes() + " cuts its " + plan.bytes() + " bytes into "
                            + plan.windows() + " windows; a job may have at most " + settings.maxWindows()
                            + " (packetfs.fanout.max-windows): choose window_bytes of at least " + least);
        }
        ComputeJob first = parent.windowJob(
                new WindowRef(parent.jobId(), 0, false), parent.program().withWindow(plan.offset(0), plan.length(0)));
        Selection where = selector.select(first, Set.of());
        if (where.unsatisfiable() != null) {
            return new Decision.Refuse("no substrate can run this job's windows: " + where.unsatisfiable());
        }
        OptionalLong estimate = selector.cheapestEstimate(first);
        long perWindow = estimate.orElse(0);
        long max = -1;
        if (parent.maxCostUsd() != null) {
            max = parent.maxCostUsd().multiply(PICO).longValue();
            BigDecimal planned = BigDecimal.valueOf(perWindow).multiply(BigDecimal.valueOf(plan.windows()));
            if (planned.compareTo(BigDecimal.valueOf(max)) > 0) {
                return new Decision.Refuse("max_cost_usd: its " + plan.windows() + " windows would cost about "
                        + JobJson.usd(planned.longValue()).toPlainString()
                        + " USD on the cheapest substrate they may run on,"
                        + " over max_cost_usd "
                        + parent.maxCostUsd().stripTrailingZeros().toPlainString());
            }
        }
        boolean chained = parent.program().op() == Op.FNV64;
        String firstState = parent.program().fnvState().isPresent()
                ? Fnv64.toHex(parent.program().fnvState().getAsLong())
                : null;
        return new Decision.Plan(
                plan,
                new FanOutLimits(
                        settings.maxOutstanding(),
                        max,
                        perWindow,
                        chained,
                        firstState,
                        parent.restartOnChange() ? settings.maxRestarts() : 0));
    }
}
