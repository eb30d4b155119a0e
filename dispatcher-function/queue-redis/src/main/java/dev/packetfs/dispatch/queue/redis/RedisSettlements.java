package dev.packetfs.dispatch.queue.redis;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.fanout.FanOutMerge;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.job.WindowRef;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.Envelope;
import dev.packetfs.dispatch.queue.Settlement;
import dev.packetfs.kernel.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settlements as the scripts take them: one settle.lua call per batch acknowledges each delivery
 * and, in the same atomic step, stores its result, queues its retry in the delayed set or writes
 * its dead letter; acknowledging is the guard that makes settling idempotent. A fan-out parent's
 * plan goes to plan.lua, and a window's answer is folded into its parent there too.
 */
final class RedisSettlements {
    private static final Logger LOG = LoggerFactory.getLogger(RedisSettlements.class);

    private final QueueScripts scripts;

    RedisSettlements(QueueScripts scripts) {
        this.scripts = scripts;
    }

    /** Stores the settlements; completes once every script call has answered. */
    CompletableFuture<Void> write(List<Settlement> settlements) {
        QueueScripts.Settle call = scripts.settle();
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (Settlement s : settlements) {
            Delivery d = s.delivery();
            ExecutionRecord r = s.record();
            QueueScripts.WindowArgs w = windowArgs(s);
            if (s instanceof Settlement.Planned planned) {
                writes.add(scripts.plan(d, planned.plan(), planned.limits()));
            } else if (s instanceof Settlement.Unplannable unplannable) {
                writes.add(scripts.unplannable(d, unplannable.error()));
            } else if (s instanceof Settlement.Done done) {
                call.add(
                        "done",
                        d.handle(),
                        d.jobId(),
                        w != null ? "" : JobJson.toText(JobJson.write(done.result())),
                        "",
                        d.attempts(),
                        r,
                        d.rawJob(),
                        w);
            } else if (s instanceof Settlement.Retry retry) {
                call.add(
                        "retry",
                        d.handle(),
                        d.jobId(),
                        Envelope.retry(d, retry),
                        Long.toString(retry.delay().toMillis()),
                        d.attempts() + (retry.burnsAttempt() ? 1 : 0),
                        r,
                        d.rawJob(),
                        w);
            } else if (s instanceof Settlement.Dead dead) {
                call.add(
                        "dead",
                        d.handle(),
                        d.jobId(),
                        w != null ? "" : JobJson.toText(JobJson.write(dead.result())),
                        JobJson.toText(JobJson.MAPPER.valueToTree(Envelope.dead(
                                d.jobId(), d.rawJob(), dead.result().attempts(), dead.errors()))),
                        dead.result().attempts(),
                        r,
                        d.rawJob(),
                        w);
            }
        }
        if (!call.isEmpty()) {
            writes.add(call.run());
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    /** What settle.lua needs of a window's settlement; null for a job that is no window. */
    private static QueueScripts.WindowArgs windowArgs(Settlement s) {
        Delivery d = s.delivery();
        WindowRef ref = d.job().window();
        if (ref == null || s instanceof Settlement.Planned || s instanceof Settlement.Unplannable) {
            return null;
        }
        if (s instanceof Settlement.Done done && done.result().succeeded()) {
            ObjectNode answer = done.result().result();
            String next =
                    d.job().program().op() == Op.FNV64 ? answer.path("hash").asText("") : "";
            return new QueueScripts.WindowArgs(ref, JobJson.toText(answer), "", next, false);
        }
        if (s instanceof Settlement.Done done && done.objectChanged()) {
            return new QueueScripts.WindowArgs(
                    ref,
                    "",
                    FanOutMerge.windowFoundChanged(d.job(), done.result().error()),
                    "",
                    true);
        }
        String error = s instanceof Settlement.Done done
                ? done.result().error()
                : s instanceof Settlement.Dead dead ? dead.result().error() : "";
        return new QueueScripts.WindowArgs(ref, "", FanOutMerge.windowFailed(d.job(), error), "", false);
    }

    /**
     * Invalid jobs with a usable id get a failed result; the rest go to the dead-letter stream.
     * Not awaited (this may run on the Redis I/O thread); settling again later is harmless.
     */
    void invalid(List<Envelope.Invalid> invalid, boolean alwaysDeadLetter) {
        QueueScripts.Settle call = scripts.settle();
        for (Envelope.Invalid bad : invalid) {
            String error = "invalid job: " + bad.error();
            String result = bad.jobId() == null
                    ? ""
                    : JobJson.toText(JobJson.write(JobResult.failed(bad.jobId(), null, 0, 0, error)));
            QueueScripts.WindowArgs window = invalidWindow(bad);
            if (bad.jobId() != null && !alwaysDeadLetter) {
                call.add("done", bad.handle(), bad.jobId(), result, "", 0, null, bad.raw(), null);
            } else {
                String dead = JobJson.toText(JobJson.MAPPER.valueToTree(Envelope.dead(
                        window != null ? window.ref().jobId() : bad.jobId(), bad.raw(), 0, List.of(error))));
                call.add(
                        "dead",
                        bad.handle(),
                        window != null ? window.ref().jobId() : bad.jobId(),
                        result,
                        dead,
                        0,
                        null,
                        bad.raw(),
                        window);
            }
            LOG.warn("job {} settled as invalid: {}", bad.jobId() == null ? bad.handle() : bad.jobId(), bad.error());
        }
        call.run().exceptionally(e -> {
            LOG.warn("settling {} invalid jobs failed; they will be delivered again: {}", invalid.size(), e.toString());
            return null;
        });
    }

    /** A window that keeps crashing dispatchers fails its parent; null when {@code bad} is no window. */
    private static QueueScripts.WindowArgs invalidWindow(Envelope.Invalid bad) {
        try {
            ComputeJob job = JobJson.parse(bad.raw());
            return job.window() == null
                    ? null
                    : new QueueScripts.WindowArgs(
                            job.window(), "", FanOutMerge.windowFailed(job, bad.error()), "", false);
        } catch (RuntimeException notAJob) {
            return null;
        }
    }
}
