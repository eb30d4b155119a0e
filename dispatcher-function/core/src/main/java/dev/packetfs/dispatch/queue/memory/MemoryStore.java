package dev.packetfs.dispatch.queue.memory;

import dev.packetfs.dispatch.fanout.FanOutRules;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.ledger.SeriesStore;
import dev.packetfs.dispatch.ledger.SubstrateTotals;
import dev.packetfs.dispatch.queue.Envelope;
import dev.packetfs.dispatch.queue.QueueFullException;
import dev.packetfs.dispatch.queue.QueueSettings;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Everything the in-memory queue's consumers share, behind one lock: what the Redis keys hold
 * (the stream and its pending list, the delayed set, job hashes, results, dead letters, the books)
 * and the rules several ports apply alike (the quota, storing one result per job id, writing a
 * dead letter, promoting due retries).
 */
final class MemoryStore {
    final QueueSettings settings;
    private final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();
    final ArrayDeque<Entry> ready = new ArrayDeque<>();
    /** Delivered and not settled, oldest delivery first. */
    final LinkedHashMap<String, Entry> pending = new LinkedHashMap<>();

    final PriorityQueue<Delayed> delayed = new PriorityQueue<>((a, b) -> Long.compare(a.dueAt, b.dueAt));
    /** Dead letters by id, oldest first (as the dead-letter stream). */
    final LinkedHashMap<String, Map<String, String>> dead = new LinkedHashMap<>();

    private long deadSequence;
    final Map<String, JobState> jobs = new HashMap<>();
    final Map<String, Stored> results = new HashMap<>();
    final ArrayDeque<ExecutionRecord> records = new ArrayDeque<>();
    final Map<String, SubstrateTotals> totals = new HashMap<>();
    final SeriesStore series = new SeriesStore();
    /** Fan-out parents, by the rules as written once. */
    final FanOutRules fanOuts = new FanOutRules(
            this::issueWindow,
            this::finishParent,
            (job, token, restarts) -> restartParent(Envelope.restart(job, token, restarts), job));

    private long sequence;
    private long nextPurge;
    /** Bytes of job JSON queued (ready, running, delayed), for the quota: what Redis's jobs:bytes counts. */
    long queuedBytes;
    /** Runs blocking takes for {@code takeAsync}: nothing here is asynchronous by nature. */
    final ExecutorService taker = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "packetfs-memory-queue-take");
        t.setDaemon(true);
        return t;
    });

    /** A queue entry: a stream entry's fields, and who has it. */
    static final class Entry {
        final String handle;
        final Map<String, String> fields;
        long deliveredAt;
        int deliveries;

        Entry(String handle, Map<String, String> fields) {
            this.handle = handle;
            this.fields = fields;
        }
    }

    /** What a job's hash holds in Redis. */
    static final class JobState {
        String token;
        String state;
        int attempts;
        long expiresAt;
        boolean fanOut;
    }

    record Stored(JobResult result, long expiresAt) {}

    record Delayed(long dueAt, String envelope) {}

    MemoryStore(QueueSettings settings) {
        this.settings = settings;
    }

    <T> T locked(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    void lockInterruptibly() throws InterruptedException {
        lock.lockInterruptibly();
    }

    void unlock() {
        lock.unlock();
    }

    Entry newEntry(Map<String, String> fields) {
        return new Entry(++sequence + "-0", fields);
    }

    /** Queues a job as submitted and records it as queued, under {@code token}: its entry's handle. */
    Entry enqueue(String jobId, String text) {
        Entry e = newEntry(Map.of(Envelope.JOB, text));
        ready.add(e);
        JobState s = new JobState();
        s.token = e.handle;
        s.state = "queued";
        s.expiresAt = System.nanoTime() + settings.resultTtl().toNanos();
        jobs.put(jobId, s);
        return e;
    }

    /** Refuses work past the quota, whole, as submit.lua does; else counts it in. */
    void admit(long newJobs, long bytes) {
        long queued = ready.size() + pending.size() + delayed.size();
        if (queued + newJobs > settings.maxJobs() || queuedBytes + bytes > settings.maxBytes()) {
            throw new QueueFullException(
                    "the queue is full: it holds " + queued + " jobs and " + queuedBytes
                            + " bytes of jobs, and takes at most " + settings.maxJobs() + " jobs and "
                            + settings.maxBytes()
                            + " bytes (packetfs.queue.max-jobs, packetfs.queue.max-bytes); nothing of this submission was queued");
        }
        queuedBytes += bytes;
    }

    /** A job left the queue for good (finished, dead, or dropped as a duplicate). */
    void release(String raw) {
        queuedBytes = Math.max(0, queuedBytes - Envelope.utf8Length(raw));
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
    void deadLetter(String jobId, String raw, int attempts, List<String> errors, JobResult result, boolean withResult) {
        dead.put(System.currentTimeMillis() + "-" + ++deadSequence, Envelope.dead(jobId, raw, attempts, errors));
        for (var it = dead.entrySet().iterator(); dead.size() > settings.deadLettersKept(); ) {
            it.next();
            it.remove(); // the oldest go first, as XADD MAXLEN trims the dead stream
        }
        if (jobId != null && withResult) {
            storeResult(
                    result != null
                            ? result
                            : JobResult.failed(jobId, null, attempts, 0, errors.get(errors.size() - 1)));
            jobs.remove(jobId);
        }
    }

    /** One result per job id, whoever stores it first. */
    void storeResult(JobResult r) {
        if (liveResult(r.jobId()) == null) {
            results.put(
                    r.jobId(),
                    new Stored(r, System.nanoTime() + settings.resultTtl().toNanos()));
        }
    }

    void record(ExecutionRecord r) {
        series.record(r);
        records.addFirst(r);
        while (records.size() > settings.metricsKept()) {
            records.removeLast();
        }
        totals.merge(r.substrate(), SubstrateTotals.empty(r.substrate()).plus(r), (old, one) -> old.plus(r));
    }

    /** Moves due retries back to the queue; the time until the next is due, or null. */
    Duration promote() {
        long now = System.nanoTime();
        while (!delayed.isEmpty() && delayed.peek().dueAt <= now) {
            ready.add(newEntry(Map.of(Envelope.ENVELOPE, delayed.poll().envelope)));
            changed.signalAll();
        }
        return delayed.isEmpty() ? null : Duration.ofNanos(delayed.peek().dueAt - now);
    }

    JobResult liveResult(String jobId) {
        Stored s = results.get(jobId);
        return s == null || s.expiresAt < System.nanoTime() ? null : s.result;
    }

    JobState liveJob(String jobId) {
        JobState s = jobs.get(jobId);
        return s == null || s.expiresAt < System.nanoTime() ? null : s;
    }

    /** Drops expired results and job states, at most once a minute. */
    void purgeExpired() {
        long now = System.nanoTime();
        if (now - nextPurge < 0) {
            return;
        }
        nextPurge = now + TimeUnit.MINUTES.toNanos(1);
        results.values().removeIf(s -> s.expiresAt < now);
        jobs.values().removeIf(s -> s.expiresAt < now);
    }
}
