package dev.packetfs.dispatch.queue.memory;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.queue.CancelOutcome;
import dev.packetfs.dispatch.queue.Envelope;
import dev.packetfs.dispatch.queue.JobIntake;
import dev.packetfs.dispatch.queue.SubmitOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Jobs into the in-memory queue, by submit.lua's and cancel.lua's rules. */
final class MemoryIntake implements JobIntake {
    private final MemoryStore store;

    MemoryIntake(MemoryStore store) {
        this.store = store;
    }

    @Override
    public List<SubmitOutcome> submit(List<ComputeJob> submitted) {
        return store.locked(() -> {
            List<String> texts = new ArrayList<>(submitted.size());
            long newJobs = 0;
            long newBytes = 0;
            for (ComputeJob job : submitted) {
                boolean known = store.liveResult(job.jobId()) != null || store.liveJob(job.jobId()) != null;
                String text = known ? null : JobJson.toText(JobJson.write(job));
                texts.add(text);
                if (text != null) {
                    newJobs++;
                    newBytes += Envelope.utf8Length(text);
                }
            }
            store.admit(newJobs, newBytes);
            List<SubmitOutcome> out = new ArrayList<>();
            for (int i = 0; i < submitted.size(); i++) {
                ComputeJob job = submitted.get(i);
                boolean known = texts.get(i) == null;
                if (!known) {
                    store.enqueue(job.jobId(), texts.get(i));
                }
                out.add(new SubmitOutcome(job.jobId(), !known));
            }
            store.changed.signalAll();
            return out;
        });
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
    public CancelOutcome cancel(String jobId) {
        return store.locked(() -> {
            CancelOutcome parent = store.fanOuts.cancel(jobId);
            if (parent != CancelOutcome.UNKNOWN) {
                return parent;
            }
            if (store.liveResult(jobId) != null) {
                return CancelOutcome.FINISHED;
            }
            MemoryStore.JobState s = store.liveJob(jobId);
            if (s == null) {
                return CancelOutcome.UNKNOWN;
            }
            if (s.state.equals("running")) {
                return CancelOutcome.RUNNING;
            }
            // Not started. Queued: its entry stays where it is and is dropped, as finished, when
            // it is next taken. Planning: its plan, when made, finds the result and is dropped.
            store.storeResult(JobResult.failed(jobId, null, s.attempts, 0, JobIntake.cancelledError(jobId)));
            store.jobs.remove(jobId);
            return CancelOutcome.CANCELLED;
        });
    }
}
