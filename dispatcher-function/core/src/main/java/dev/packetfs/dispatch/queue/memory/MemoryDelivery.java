package dev.packetfs.dispatch.queue.memory;

import dev.packetfs.dispatch.fanout.FanOutMerge;
import dev.packetfs.dispatch.fanout.WindowTemplate;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.job.WindowRef;
import dev.packetfs.dispatch.queue.Delivery;
import dev.packetfs.dispatch.queue.Envelope;
import dev.packetfs.dispatch.queue.JobDelivery;
import dev.packetfs.dispatch.queue.Settlement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Delivery to one consumer of the in-memory queue, by the Redis scripts' rules: begin.lua's
 * (a finished job or a duplicate delivery is dropped, an entry delivered too often is
 * dead-lettered), settle.lua's (a finished job is guarded by its result, the others by the
 * acknowledgement) and the visibility timeout's (an entry not settled in time is delivered again).
 */
final class MemoryDelivery implements JobDelivery {
    private final MemoryStore store;
    private final String consumer;

    MemoryDelivery(MemoryStore store, String consumer) {
        this.store = store;
        this.consumer = consumer;
    }

    @Override
    public List<Delivery> take(int max, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        store.lockInterruptibly();
        try {
            while (true) {
                store.purgeExpired();
                Duration untilRetry = store.promote();
                reclaimExpired();
                List<Delivery> out = new ArrayList<>();
                while (out.size() < max && !store.ready.isEmpty()) {
                    Delivery d = begin(store.ready.poll());
                    if (d != null) {
                        out.add(d);
                    }
                }
                long left = deadline - System.nanoTime();
                if (!out.isEmpty() || left <= 0) {
                    return out;
                }
                long sleep = Math.min(left, store.settings.visibilityTimeout().toNanos() / 2);
                if (untilRetry != null) {
                    sleep = Math.min(sleep, Math.max(1, untilRetry.toNanos()));
                }
                store.changed.awaitNanos(sleep);
            }
        } finally {
            store.unlock();
        }
    }

    /** On a thread of the queue's own: nothing here is asynchronous by nature. */
    @Override
    public CompletableFuture<List<Delivery>> takeAsync(int max, Duration wait) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return take(max, wait);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return List.of();
                    }
                },
                store.taker);
    }

    /** Delivers an entry unless it is finished or a duplicate (begin.lua's rules). */
    private Delivery begin(MemoryStore.Entry e) {
        e.deliveries++;
        Object read = Envelope.read(e.handle, e.fields);
        if (e.deliveries > store.settings.maxDeliveries() && read instanceof Delivery d) {
            String error =
                    "delivered " + (e.deliveries - 1) + " times and never settled: it may be crashing dispatchers";
            store.deadLetter(
                    d.jobId(),
                    d.rawJob(),
                    0,
                    List.of("invalid job: " + error),
                    null,
                    d.job().window() == null);
            if (d.job().window() != null) {
                store.fanOuts.failed(d.job().window(), FanOutMerge.windowFailed(d.job(), error), false);
            }
            store.release(d.rawJob());
            return null;
        }
        if (read instanceof Envelope.Invalid bad) {
            store.release(bad.raw());
            String error = "invalid job: " + bad.error();
            if (bad.jobId() != null) {
                store.storeResult(JobResult.failed(bad.jobId(), null, 0, 0, error));
            } else {
                store.deadLetter(null, bad.raw(), 0, List.of(error), null, false);
            }
            return null;
        }
        Delivery d = (Delivery) read;
        if (d.job().window() != null && !store.fanOuts.wanted(d.job().window())) {
            // Its parent finished, was cancelled, or another run answered the window first.
            store.release(d.rawJob());
            store.jobs.remove(d.jobId());
            return null;
        }
        MemoryStore.JobState s = store.liveJob(d.jobId());
        boolean finished = store.liveResult(d.jobId()) != null;
        if (finished || (s != null && s.token != null && !s.token.equals(d.token()))) {
            store.release(d.rawJob());
            return null;
        }
        if (s == null) {
            s = new MemoryStore.JobState();
            store.jobs.put(d.jobId(), s);
        }
        s.token = d.token();
        s.state = "running";
        s.expiresAt = System.nanoTime() + store.settings.resultTtl().toNanos();
        e.deliveredAt = System.nanoTime();
        store.pending.put(e.handle, e);
        return d;
    }

    private void reclaimExpired() {
        long cutoff = System.nanoTime() - store.settings.visibilityTimeout().toNanos();
        for (Iterator<MemoryStore.Entry> it = store.pending.values().iterator(); it.hasNext(); ) {
            MemoryStore.Entry e = it.next();
            if (e.deliveredAt > cutoff) {
                break; // ordered by age: the rest are younger
            }
            it.remove();
            store.ready.addFirst(e);
        }
    }

    @Override
    public void extend(List<Delivery> inFlight) {
        store.locked(() -> {
            for (Delivery d : inFlight) {
                MemoryStore.Entry e = store.pending.remove(d.handle());
                if (e != null) {
                    e.deliveredAt = System.nanoTime();
                    store.pending.put(e.handle, e); // to the tail: pending stays ordered by age
                }
            }
            return null;
        });
    }

    @Override
    public void settle(List<Settlement> settlements) {
        store.locked(() -> {
            settlements.forEach(this::settle);
            store.changed.signalAll();
            return null;
        });
    }

    /** settle.lua's rules: a finished job is guarded by its result, the others by the acknowledgement. */
    private void settle(Settlement s) {
        Delivery d = s.delivery();
        boolean wasPending = store.pending.remove(d.handle()) != null;
        if (s instanceof Settlement.Planned planned) {
            if (wasPending) {
                store.release(d.rawJob()); // the parent leaves the queue; its windows come in instead
            }
            if (wasPending
                    && store.liveResult(d.jobId()) == null
                    && store.fanOuts.plan(
                            planned.plan(),
                            planned.limits(),
                            WindowTemplate.of(d.job(), planned.plan().version(), d.restarts()),
                            d.rawJob(),
                            d.token(),
                            d.restarts())) {
                MemoryStore.JobState state = store.jobs.get(d.jobId());
                if (state != null) {
                    state.state = "running";
                    state.fanOut = true;
                }
                store.changed.signalAll();
            }
            return;
        }
        if (s instanceof Settlement.Unplannable unplannable) {
            if (wasPending) {
                store.release(d.rawJob());
                store.fanOuts.unplannable(d.jobId(), d.restarts(), unplannable.error());
            }
            return;
        }
        if (d.job().window() != null) {
            settleWindow(s, d.job().window(), wasPending);
            return;
        }
        if (s instanceof Settlement.Done done) {
            if (store.liveResult(d.jobId()) != null) {
                if (wasPending) {
                    store.release(d.rawJob()); // cancelled, or finished by another delivery: it leaves the queue
                }
                return; // one result per job id, whoever stored it first
            }
            store.storeResult(done.result());
            store.jobs.remove(d.jobId());
            store.release(d.rawJob());
        } else if (!wasPending) {
            return; // settled already, or taken over after its visibility lapsed and settled there
        } else if (s instanceof Settlement.Retry retry) {
            retryLater(d, retry);
        } else if (s instanceof Settlement.Dead dead) {
            store.deadLetter(d.jobId(), d.rawJob(), dead.result().attempts(), dead.errors(), dead.result(), true);
            store.release(d.rawJob());
        }
        if (s.record() != null) {
            store.record(s.record());
        }
    }

    /**
     * A window's settlement: guarded by its delivery alone (a window stores no result of its
     * own), charged to its parent, and folded into it, first answer first.
     */
    private void settleWindow(Settlement s, WindowRef w, boolean wasPending) {
        if (!wasPending) {
            return;
        }
        Delivery d = s.delivery();
        if (s.record() != null) {
            store.record(s.record());
            store.fanOuts.charge(w, s.record());
        }
        if (s instanceof Settlement.Done done) {
            store.jobs.remove(d.jobId());
            store.release(d.rawJob());
            if (done.result().succeeded()) {
                store.fanOuts.answered(
                        w,
                        done.result().result(),
                        s.record() == null
                                ? done.result().substrate()
                                : s.record().substrate());
            } else if (done.objectChanged()) {
                store.fanOuts.failed(
                        w, FanOutMerge.windowFoundChanged(d.job(), done.result().error()), true);
            } else {
                store.fanOuts.failed(
                        w, FanOutMerge.windowFailed(d.job(), done.result().error()), false);
            }
        } else if (s instanceof Settlement.Retry retry) {
            retryLater(d, retry);
        } else if (s instanceof Settlement.Dead dead) {
            store.deadLetter(d.jobId(), d.rawJob(), dead.result().attempts(), dead.errors(), null, false);
            store.jobs.remove(d.jobId());
            store.release(d.rawJob());
            store.fanOuts.failed(
                    w, FanOutMerge.windowFailed(d.job(), dead.result().error()), false);
        }
    }

    private void retryLater(Delivery d, Settlement.Retry retry) {
        store.delayed.add(
                new MemoryStore.Delayed(System.nanoTime() + retry.delay().toNanos(), Envelope.retry(d, retry)));
        MemoryStore.JobState state = store.jobs.get(d.jobId());
        if (state != null) {
            state.state = "retrying";
            state.attempts = d.attempts() + (retry.burnsAttempt() ? 1 : 0);
        }
    }

    @Override
    public Duration promoteDueRetries() {
        return store.locked(store::promote);
    }

    @Override
    public CompletableFuture<Boolean> planning(Delivery parent, boolean on) {
        return CompletableFuture.completedFuture(store.locked(() -> {
            MemoryStore.JobState s = store.liveJob(parent.jobId());
            if (s == null || !parent.token().equals(s.token)) {
                return false;
            }
            if (s.state.equals(on ? "running" : "planning")) {
                s.state = on ? "planning" : "running";
            }
            return true;
        }));
    }

    @Override
    public CompletableFuture<Boolean> hedgeAsync(Delivery window, String lateOn, double afterFraction) {
        return CompletableFuture.completedFuture(store.locked(() -> {
            if (window.job().window() == null
                    || window.job().window().hedge()
                    || !store.fanOuts.mayHedge(window.job().window(), afterFraction)) {
                return false;
            }
            Envelope.Hedge hedge = Envelope.hedge(window, lateOn);
            store.queuedBytes += hedge.jobBytes();
            store.ready.add(store.newEntry(Map.of(Envelope.ENVELOPE, hedge.envelope())));
            store.changed.signalAll();
            return true;
        }));
    }
}
