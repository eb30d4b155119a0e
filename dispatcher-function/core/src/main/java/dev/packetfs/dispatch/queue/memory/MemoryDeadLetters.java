package dev.packetfs.dispatch.queue.memory;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.queue.DeadLetter;
import dev.packetfs.dispatch.queue.DeadLetters;
import dev.packetfs.dispatch.queue.Envelope;
import dev.packetfs.dispatch.queue.JobRequeueException;
import dev.packetfs.dispatch.queue.SubmitOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The in-memory dead letters, requeued by requeue.lua's rules. */
final class MemoryDeadLetters implements DeadLetters {
    private final MemoryStore store;

    MemoryDeadLetters(MemoryStore store) {
        this.store = store;
    }

    @Override
    public List<DeadLetter> newest(int max) {
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
            ComputeJob job = DeadLetters.requeueable(Envelope.readDead(deadLetterId, fields));
            if (store.liveJob(job.jobId()) != null) {
                throw new JobRequeueException(false, "job '" + job.jobId() + "' is queued or running again already");
            }
            store.results.remove(job.jobId());
            String raw = fields.get(Envelope.JOB);
            store.admit(1, Envelope.utf8Length(raw));
            store.enqueue(job.jobId(), raw);
            store.dead.remove(deadLetterId);
            store.changed.signalAll();
            return new SubmitOutcome(job.jobId(), true);
        });
    }
}
