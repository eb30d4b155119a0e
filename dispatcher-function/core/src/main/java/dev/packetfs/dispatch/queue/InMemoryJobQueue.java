package dev.packetfs.dispatch.queue;

import dev.packetfs.dispatch.fanout.FanOutMerge;
import dev.packetfs.dispatch.fanout.FanOutProgress;
import dev.packetfs.dispatch.fanout.WindowTemplate;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.job.WindowRef;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.ledger.LedgerSnapshot;
import dev.packetfs.dispatch.ledger.SeriesBucket;
import dev.packetfs.dispatch.ledger.SeriesResolution;
import dev.packetfs.dispatch.ledger.SeriesStore;
import dev.packetfs.dispatch.ledger.SubstrateTotals;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The job queue in one JVM, for running with no Redis (the embedded default and the demo). Same
 * semantics as {@link RedisStreamJobQueue} — visibility timeouts, idempotent settling, one result
 * per job id, delayed retries, dead letters, bounded records — with nothing kept across restarts.
 *
 * <p>Several consumers may share one {@link Store} ({@link #consumer}), as several dispatchers
 * share one Redis; the contract tests use that to exercise redelivery.
 */
public final class InMemoryJobQueue implements JobQueue {
    private final Store store;
    private final String consumer;

    public InMemoryJobQueue(QueueSettings settings) {
        this(new Store(settings), "embedded");
    }

    private InMemoryJobQueue(Store store, String consumer) {
        this.store = store;
        this.consumer = consumer;
    }

    /** Another consumer of the same jobs, as a second dispatcher on the same Redis would be. */
    public InMemoryJobQueue consumer(String name) {
        return new InMemoryJobQueue(store, name);
    }

    @Override
    public List<SubmitOutcome> submit(List<ComputeJob> jobs) {
        return store.submit(jobs);
    }

    @Override
    public void pushRaw(String jobJson) {
        store.locked(() -> {
            store.admit(1, Envelope.utf8Length(jobJson));
            store.ready.add(store.newEntry(Map.of(Envelope.JOB, jobJson)));
            store.changed.signalAll();
            return null;
        });
    }

    @Override
    public List<Delivery> take(int max, Duration wait) throws InterruptedException {
        return store.take(consumer, max, wait);
    }

    /** On a thread of the queue's own: nothing here is asynchronous by nature. */
    @Override
    public java.util.concurrent.CompletableFuture<List<Delivery>> takeAsync(int max, Duration wait) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return take(max, wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }, store.taker);
    }

    @Override
    public void settle(List<Settlement> settlements) {
        store.locked(() -> {
            settlements.forEach(store::settle);
            store.changed.signalAll();
            return null;
        });
    }

    @Override
    public void extend(List<Delivery> inFlight) {
        store.locked(() -> {
            for (Delivery d : inFlight) {
                Entry e = store.pending.remove(d.handle());
                if (e != null) {
                    e.deliveredAt = System.nanoTime();
                    store.pending.put(e.handle, e); // to the tail: pending stays ordered by age
                }
            }
            return null;
        });
    }

    @Override
    public Duration promoteDueRetries() {
        return store.locked(store::promote);
    }

    @Override
    public Optional<JobResult> result(String jobId) {
        return store.locked(() -> Optional.ofNullable(store.liveResult(jobId)));
    }

    @Override
    public void correctResult(JobResult corrected) {
        store.locked(() -> {
            Stored s = store.results.get(corrected.jobId());
            if (s != null && s.expiresAt >= System.nanoTime()) {
                store.results.put(corrected.jobId(), new Stored(corrected, s.expiresAt));
            }
            return null;
        });
    }

    @Override
    public Optional<JobStatus> status(String jobId) {
        return store.locked(() -> {
            JobResult r = store.liveResult(jobId);
            if (r != null) {
                return Optional.of(new JobStatus(jobId, r.status().wireName(), r.attempts(), r.substrate(), r.error()));
            }
            JobState s = store.jobs.get(jobId);
            return s == null || s.expiresAt < System.nanoTime() ? Optional.<JobStatus>empty()
                    : Optional.of(new JobStatus(jobId, s.state, s.attempts, null, null,
                            s.fanOut ? store.fanOuts.progress(jobId) : null));
        });
    }

    @Override
    public NavigableMap<Long, Map<String, SeriesBucket>> series(SeriesResolution resolution, long fromPeriod, long toPeriod) {
        return store.locked(() -> store.series.read(resolution, fromPeriod, toPeriod));
    }

    @Override
    public List<FanOutProgress> fanOuts(int max) {
        return store.locked(() -> store.fanOuts.running(max));
    }

    @Override
    public CompletableFuture<Boolean> planning(Delivery parent, boolean on) {
        return CompletableFuture.completedFuture(store.locked(() -> {
            JobState s = store.liveJob(parent.jobId());
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
            if (window.job().window() == null || window.job().window().hedge()
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

    @Override
    public CancelOutcome cancel(String jobId) {
        return store.locked(() -> {
            CancelOutcome parent = store.fanOuts.cancel(jobId);
            if (parent != null) {
                return parent;
            }
            if (store.liveResult(jobId) != null) {
                return CancelOutcome.FINISHED;
            }
            JobState s = store.liveJob(jobId);
            if (s == null) {
                return CancelOutcome.UNKNOWN;
            }
            if (s.state.equals("running")) {
                return CancelOutcome.RUNNING;
            }
            if (s.state.equals("planning")) {
                // Not started: its plan, when made, finds the result and is dropped.
                store.storeResult(JobResult.failed(jobId, null, s.attempts, 0, JobQueue.cancelledError(jobId)));
                store.jobs.remove(jobId);
                return CancelOutcome.CANCELLED;
            }
            // Its entry stays where it is and is dropped, as finished, when it is next taken.
            store.storeResult(JobResult.failed(jobId, null, s.attempts, 0, JobQueue.cancelledError(jobId)));
            store.jobs.remove(jobId);
            return CancelOutcome.CANCELLED;
        });
    }

    @Override
    public List<DeadLetter> deadLetters(int max) {
        return store.locked(() -> {
            List<DeadLetter> out = new ArrayList<>();
            List<Map.Entry<String, Map<String, String>>> all = new ArrayList<>(store.dead.entrySet());
            for (int i = all.size() - 1; i >= 0 && out.size() < max; i--) {
                out.add(Envelope.readDead(all.get(i).getKey(), all.get(i).getValue()));
            }
            return out;
        });
    }

    @Override
    public SubmitOutcome requeue(String deadLetterId) {
        return store.locked(() -> {
            Map<String, String> fields = store.dead.get(deadLetterId);
            if (fields == null) {
                throw new JobRequeueException(true, "no dead letter '" + deadLetterId + "'");
            }
            ComputeJob job = JobQueue.requeueable(Envelope.readDead(deadLetterId, fields));
            if (store.liveJob(job.jobId()) != null) {
                throw new JobRequeueException(false, "job '" + job.jobId() + "' is queued or running again already");
            }
            store.results.remove(job.jobId());
            String raw = fields.get(Envelope.JOB);
            store.admit(1, Envelope.utf8Length(raw));
            Entry e = store.newEntry(Map.of(Envelope.JOB, raw));
            store.ready.add(e);
            JobState state = new JobState();
            state.token = e.handle;
            state.state = "queued";
            state.expiresAt = System.nanoTime() + store.settings.resultTtl().toNanos();
            store.jobs.put(job.jobId(), state);
            store.dead.remove(deadLetterId);
            store.changed.signalAll();
            return new SubmitOutcome(job.jobId(), true);
        });
    }

    @Override
    public LedgerSnapshot ledger() {
        return store.locked(() -> new LedgerSnapshot(Map.copyOf(store.totals), List.copyOf(store.records)));
    }

    @Override
    public QueueDepth depth() {
        return store.locked(() -> new QueueDepth(0, store.ready.size(), store.pending.size(), store.delayed.size(),
                store.dead.size()));
    }

    @Override
    public String backend() {
        return "in-memory";
    }

    @Override
    public void close() {
        // nothing held outside the heap
    }

    /** A queue entry: a stream entry's fields, and who has it. */
    private static final class Entry {
        final String handle;
        final Map<String, String> fields;
        long deliveredAt;
        int deliveries;

        Entry(String handle, Map<String, String> fields) {
            this.handle = handle;
            this.fields = fields;
        }
    }

    private static final class JobState {
        String token;
        String state;
        int attempts;
        long expiresAt;
        boolean fanOut;
    }

    private record Stored(JobResult result, long expiresAt) {}

    private record Delayed(long dueAt, String envelope) {}

    /** Everything the consumers share, behind one lock. */
    public static final class Store {
        private final QueueSettings settings;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final ArrayDeque<Entry> ready = new ArrayDeque<>();
        private final LinkedHashMap<String, Entry> pending = new LinkedHashMap<>();
        private final PriorityQueue<Delayed> delayed = new PriorityQueue<>((a, b) -> Long.compare(a.dueAt, b.dueAt));
        /** Dead letters by id, oldest first (as the dead-letter stream). */
        private final LinkedHashMap<String, Map<String, String>> dead = new LinkedHashMap<>();
        private long deadSequence;
        private final Map<String, JobState> jobs = new HashMap<>();
        private final Map<String, Stored> results = new HashMap<>();
        private final ArrayDeque<ExecutionRecord> records = new ArrayDeque<>();
        private final Map<String, SubstrateTotals> totals = new HashMap<>();
        private final SeriesStore series = new SeriesStore();
        private final InMemoryFanOuts fanOuts = new InMemoryFanOuts(this::issueWindow, this::finishParent, this::restartParent);
        private long sequence;
        private long nextPurge;
        /** Bytes of job JSON queued (ready, running, delayed), for the quota: what Redis's jobs:bytes counts. */
        private long queuedBytes;
        private final java.util.concurrent.ExecutorService taker = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "packetfs-memory-queue-take");
            t.setDaemon(true);
            return t;
        });

        public Store(QueueSettings settings) {
            this.settings = settings;
        }

        private <T> T locked(java.util.function.Supplier<T> action) {
            lock.lock();
            try {
                return action.get();
            } finally {
                lock.unlock();
            }
        }

        private Entry newEntry(Map<String, String> fields) {
            return new Entry(++sequence + "-0", fields);
        }

        /** Refuses work past the quota, whole, as submit.lua does; else counts it in. */
        private void admit(long jobs, long bytes) {
            long queued = ready.size() + pending.size() + delayed.size();
            if (queued + jobs > settings.maxJobs() || queuedBytes + bytes > settings.maxBytes()) {
                throw new QueueFullException("the queue is full: it holds " + queued + " jobs and " + queuedBytes
                        + " bytes of jobs, and takes at most " + settings.maxJobs() + " jobs and " + settings.maxBytes()
                        + " bytes (packetfs.queue.max-jobs, packetfs.queue.max-bytes); nothing of this submission was queued");
            }
            queuedBytes += bytes;
        }

        /** A job left the queue for good (finished, dead, or dropped as a duplicate). */
        private void release(String raw) {
            queuedBytes = Math.max(0, queuedBytes - Envelope.utf8Length(raw));
        }

        private List<SubmitOutcome> submit(List<ComputeJob> submitted) {
            return locked(() -> {
                List<String> texts = new ArrayList<>(submitted.size());
                long newJobs = 0;
                long newBytes = 0;
                for (ComputeJob job : submitted) {
                    boolean known = liveResult(job.jobId()) != null || liveJob(job.jobId()) != null;
                    String text = known ? null : JobJson.toText(JobJson.write(job));
                    texts.add(text);
                    if (text != null) {
                        newJobs++;
                        newBytes += Envelope.utf8Length(text);
                    }
                }
                admit(newJobs, newBytes);
                List<SubmitOutcome> out = new ArrayList<>();
                for (int i = 0; i < submitted.size(); i++) {
                    ComputeJob job = submitted.get(i);
                    boolean known = texts.get(i) == null;
                    if (!known) {
                        Entry e = newEntry(Map.of(Envelope.JOB, texts.get(i)));
                        ready.add(e);
                        JobState s = new JobState();
                        s.token = e.handle;
                        s.state = "queued";
                        s.expiresAt = System.nanoTime() + settings.resultTtl().toNanos();
                        jobs.put(job.jobId(), s);
                    }
                    out.add(new SubmitOutcome(job.jobId(), !known));
                }
                changed.signalAll();
                return out;
            });
        }

        private List<Delivery> take(String consumer, int max, Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            lock.lockInterruptibly();
            try {
                while (true) {
                    purgeExpired();
                    Duration untilRetry = promote();
                    reclaimExpired();
                    List<Delivery> out = new ArrayList<>();
                    while (out.size() < max && !ready.isEmpty()) {
                        Delivery d = begin(consumer, ready.poll());
                        if (d != null) {
                            out.add(d);
                        }
                    }
                    long left = deadline - System.nanoTime();
                    if (!out.isEmpty() || left <= 0) {
                        return out;
                    }
                    long sleep = Math.min(left, settings.visibilityTimeout().toNanos() / 2);
                    if (untilRetry != null) {
                        sleep = Math.min(sleep, Math.max(1, untilRetry.toNanos()));
                    }
                    changed.awaitNanos(sleep);
                }
            } finally {
                lock.unlock();
            }
        }

        /** Delivers an entry unless it is finished or a duplicate (begin.lua's rules). */
        private Delivery begin(String consumer, Entry e) {
            e.deliveries++;
            Object read = Envelope.read(e.handle, e.fields);
            if (e.deliveries > settings.maxDeliveries() && read instanceof Delivery d) {
                read = new Envelope.Invalid(e.handle, d.token(), d.jobId(),
                        "delivered " + (e.deliveries - 1) + " times and never settled: it may be crashing dispatchers",
                        d.rawJob());
                deadLetter(((Envelope.Invalid) read).jobId(), ((Envelope.Invalid) read).raw(), 0,
                        List.of("invalid job: " + ((Envelope.Invalid) read).error()), null, d.job().window() == null);
                if (d.job().window() != null) {
                    fanOuts.failed(d.job().window(), FanOutMerge.windowFailed(d.job(), ((Envelope.Invalid) read).error()), false);
                }
                release(d.rawJob());
                return null;
            }
            if (read instanceof Envelope.Invalid bad) {
                release(bad.raw());
                String error = "invalid job: " + bad.error();
                if (bad.jobId() != null) {
                    storeResult(JobResult.failed(bad.jobId(), null, 0, 0, error));
                } else {
                    deadLetter(null, bad.raw(), 0, List.of(error), null, false);
                }
                return null;
            }
            Delivery d = (Delivery) read;
            if (d.job().window() != null && !fanOuts.wanted(d.job().window())) {
                // Its parent finished, was cancelled, or another run answered the window first.
                release(d.rawJob());
                jobs.remove(d.jobId());
                return null;
            }
            JobState s = liveJob(d.jobId());
            boolean finished = liveResult(d.jobId()) != null;
            if (finished || (s != null && s.token != null && !s.token.equals(d.token()))) {
                release(d.rawJob());
                return null;
            }
            if (s == null) {
                s = new JobState();
                jobs.put(d.jobId(), s);
            }
            s.token = d.token();
            s.state = "running";
            s.expiresAt = System.nanoTime() + settings.resultTtl().toNanos();
            e.deliveredAt = System.nanoTime();
            pending.put(e.handle, e);
            return d;
        }

        private void reclaimExpired() {
            long cutoff = System.nanoTime() - settings.visibilityTimeout().toNanos();
            for (Iterator<Entry> it = pending.values().iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (e.deliveredAt > cutoff) {
                    break; // ordered by age: the rest are younger
                }
                it.remove();
                ready.addFirst(e);
            }
        }

        /** settle.lua's rules: a finished job is guarded by its result, the others by the acknowledgement. */
        private void settle(Settlement s) {
            Delivery d = s.delivery();
            boolean wasPending = pending.remove(d.handle()) != null;
            if (s instanceof Settlement.Planned planned) {
                if (wasPending) {
                    release(d.rawJob()); // the parent leaves the queue; its windows come in instead
                }
                if (wasPending && liveResult(d.jobId()) == null
                        && fanOuts.plan(planned.plan(), planned.limits(),
                                WindowTemplate.of(d.job(), planned.plan().version(), d.restarts()), d.rawJob(), d.token(),
                                d.restarts())) {
                    JobState state = jobs.get(d.jobId());
                    if (state != null) {
                        state.state = "running";
                        state.fanOut = true;
                    }
                    changed.signalAll();
                }
                return;
            }
            if (s instanceof Settlement.Unplannable unplannable) {
                if (wasPending) {
                    release(d.rawJob());
                    fanOuts.unplannable(d.jobId(), d.restarts(), unplannable.error());
                }
                return;
            }
            if (d.job().window() != null) {
                settleWindow(s, d.job().window(), wasPending);
                return;
            }
            if (s instanceof Settlement.Done done) {
                if (liveResult(d.jobId()) != null) {
                    if (wasPending) {
                        release(d.rawJob()); // cancelled, or finished by another delivery: it leaves the queue
                    }
                    return; // one result per job id, whoever stored it first
                }
                storeResult(done.result());
                jobs.remove(d.jobId());
                release(d.rawJob());
            } else if (!wasPending) {
                return; // settled already, or taken over after its visibility lapsed and settled there
            } else if (s instanceof Settlement.Retry retry) {
                retryLater(d, retry);
            } else if (s instanceof Settlement.Dead dead) {
                deadLetter(d.jobId(), d.rawJob(), dead.result().attempts(), dead.errors(), dead.result(), true);
                release(d.rawJob());
            }
            if (s.record() != null) {
                record(s.record());
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
                record(s.record());
                fanOuts.charge(w, s.record());
            }
            if (s instanceof Settlement.Done done) {
                jobs.remove(d.jobId());
                release(d.rawJob());
                if (done.result().succeeded()) {
                    fanOuts.answered(w, done.result().result(),
                            s.record() == null ? done.result().substrate() : s.record().substrate());
                } else if (done.objectChanged()) {
                    fanOuts.failed(w, FanOutMerge.windowFoundChanged(d.job(), done.result().error()), true);
                } else {
                    fanOuts.failed(w, FanOutMerge.windowFailed(d.job(), done.result().error()), false);
                }
            } else if (s instanceof Settlement.Retry retry) {
                retryLater(d, retry);
            } else if (s instanceof Settlement.Dead dead) {
                deadLetter(d.jobId(), d.rawJob(), dead.result().attempts(), dead.errors(), null, false);
                jobs.remove(d.jobId());
                release(d.rawJob());
                fanOuts.failed(w, FanOutMerge.windowFailed(d.job(), dead.result().error()), false);
            }
        }

        private void retryLater(Delivery d, Settlement.Retry retry) {
            delayed.add(new Delayed(System.nanoTime() + retry.delay().toNanos(), Envelope.retry(d, retry)));
            JobState state = jobs.get(d.jobId());
            if (state != null) {
                state.state = "retrying";
                state.attempts = d.attempts() + (retry.burnsAttempt() ? 1 : 0);
            }
        }

        /** Queues one window of a fan-out job (its bytes count toward the quota, which the parent passed already). */
        private void issueWindow(String json) {
            queuedBytes += Envelope.utf8Length(json);
            ready.add(newEntry(Map.of(Envelope.JOB, json)));
        }

        /** Queues a parent to be planned again after its object changed (fanout.lua's fanoutRestart). */
        private void restartParent(String envelope, String job) {
            queuedBytes += Envelope.utf8Length(job);
            ready.add(newEntry(Map.of(Envelope.ENVELOPE, envelope)));
            changed.signalAll();
        }

        private void finishParent(JobResult result) {
            storeResult(result);
            jobs.remove(result.jobId());
        }

        /**
         * @param withResult store a failed result for {@code jobId} too (not for a window, whose
         *     parent's result tells)
         */
        private void deadLetter(String jobId, String raw, int attempts, List<String> errors, JobResult result,
                boolean withResult) {
            dead.put(System.currentTimeMillis() + "-" + ++deadSequence, Envelope.dead(jobId, raw, attempts, errors));
            for (var it = dead.entrySet().iterator(); dead.size() > settings.deadLettersKept(); ) {
                it.next();
                it.remove(); // the oldest go first, as XADD MAXLEN trims the dead stream
            }
            if (jobId != null && withResult) {
                storeResult(result != null ? result
                        : JobResult.failed(jobId, null, attempts, 0, errors.get(errors.size() - 1)));
                jobs.remove(jobId);
            }
        }

        private void storeResult(JobResult r) {
            if (liveResult(r.jobId()) == null) {
                results.put(r.jobId(), new Stored(r, System.nanoTime() + settings.resultTtl().toNanos()));
            }
        }

        private void record(ExecutionRecord r) {
            series.record(r);
            records.addFirst(r);
            while (records.size() > settings.metricsKept()) {
                records.removeLast();
            }
            totals.merge(r.substrate(), SubstrateTotals.empty(r.substrate()).plus(r),
                    (old, one) -> old.plus(r));
        }

        private Duration promote() {
            long now = System.nanoTime();
            while (!delayed.isEmpty() && delayed.peek().dueAt <= now) {
                ready.add(newEntry(Map.of(Envelope.ENVELOPE, delayed.poll().envelope)));
                changed.signalAll();
            }
            return delayed.isEmpty() ? null : Duration.ofNanos(delayed.peek().dueAt - now);
        }

        private JobResult liveResult(String jobId) {
            Stored s = results.get(jobId);
            return s == null || s.expiresAt < System.nanoTime() ? null : s.result;
        }

        private JobState liveJob(String jobId) {
            JobState s = jobs.get(jobId);
            return s == null || s.expiresAt < System.nanoTime() ? null : s;
        }

        /** Drops expired results and job states, at most once a minute. */
        private void purgeExpired() {
            long now = System.nanoTime();
            if (now - nextPurge < 0) {
                return;
            }
            nextPurge = now + TimeUnit.MINUTES.toNanos(1);
            results.values().removeIf(s -> s.expiresAt < now);
            jobs.values().removeIf(s -> s.expiresAt < now);
        }
    }
}
