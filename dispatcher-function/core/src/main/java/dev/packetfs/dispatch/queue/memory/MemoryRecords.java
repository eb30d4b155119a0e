package dev.packetfs.dispatch.queue.memory;

import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.queue.JobRecords;
import dev.packetfs.dispatch.queue.JobStatus;
import java.util.Optional;

/** Job states and results as the in-memory queue keeps them, expiring as Redis's keys do. */
final class MemoryRecords implements JobRecords {
    private final MemoryStore store;

    MemoryRecords(MemoryStore store) {
        this.store = store;
    }

    @Override
    public Optional<JobResult> result(String jobId) {
        return store.locked(() -> Optional.ofNullable(store.liveResult(jobId)));
    }

    @Override
    public void correctResult(JobResult corrected) {
        store.locked(() -> {
            MemoryStore.Stored s = store.results.get(corrected.jobId());
            if (s != null && s.expiresAt() >= System.nanoTime()) {
                store.results.put(corrected.jobId(), new MemoryStore.Stored(corrected, s.expiresAt()));
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
            MemoryStore.JobState s = store.liveJob(jobId);
            return s == null
                    ? Optional.<JobStatus>empty()
                    : Optional.of(new JobStatus(
                            jobId, s.state, s.attempts, null, null, s.fanOut ? store.fanOuts.progress(jobId) : null));
        });
    }
}
