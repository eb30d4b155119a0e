package dev.packetfs.dispatch.queue.redis;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.queue.DeadLetter;
import dev.packetfs.dispatch.queue.DeadLetters;
import dev.packetfs.dispatch.queue.Envelope;
import dev.packetfs.dispatch.queue.JobRequeueException;
import dev.packetfs.dispatch.queue.QueueUnavailableException;
import dev.packetfs.dispatch.queue.SubmitOutcome;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.StreamMessage;
import java.util.ArrayList;
import java.util.List;

/** The dead-letter stream ({@code packetfs:jobs:dead}); requeueing is requeue.lua. */
final class RedisDeadLetters implements DeadLetters {
    private final RedisConnections redis;
    private final QueueScripts scripts;

    RedisDeadLetters(RedisConnections redis, QueueScripts scripts) {
        this.redis = redis;
        this.scripts = scripts;
    }

    @Override
    public List<DeadLetter> newest(int max) {
        redis.requireConnected();
        List<DeadLetter> out = new ArrayList<>();
        for (StreamMessage<String, String> m : RedisReplies.await(
                redis.commands().xrevrange(redis.keys().dead(), Range.create("-", "+"), Limit.from(max)))) {
            out.add(Envelope.readDead(m.getId(), m.getBody()));
        }
        return out;
    }

    @Override
    public SubmitOutcome requeue(String deadLetterId) {
        redis.requireConnected();
        List<StreamMessage<String, String>> found;
        try {
            found = RedisReplies.await(
                    redis.commands().xrange(redis.keys().dead(), Range.create(deadLetterId, deadLetterId)));
        } catch (QueueUnavailableException e) {
            if (e.getCause() instanceof RedisCommandExecutionException) {
                throw new JobRequeueException(true, "no dead letter '" + deadLetterId + "'"); // not an entry id
            }
            throw e;
        }
        if (found.isEmpty()) {
            throw new JobRequeueException(true, "no dead letter '" + deadLetterId + "'");
        }
        DeadLetter letter = Envelope.readDead(deadLetterId, found.get(0).getBody());
        ComputeJob job = DeadLetters.requeueable(letter);
        long outcome = RedisReplies.await(scripts.requeue(deadLetterId, job.jobId(), letter.job()));
        if (outcome == 0) {
            throw new JobRequeueException(true, "no dead letter '" + deadLetterId + "'");
        }
        if (outcome < 0) {
            throw new JobRequeueException(false, "job '" + job.jobId() + "' is queued or running again already");
        }
        return new SubmitOutcome(job.jobId(), true);
    }
}
