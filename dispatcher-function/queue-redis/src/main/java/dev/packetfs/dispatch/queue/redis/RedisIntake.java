package dev.packetfs.dispatch.queue.redis;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.queue.CancelOutcome;
import dev.packetfs.dispatch.queue.JobIntake;
import dev.packetfs.dispatch.queue.QueueFullException;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.queue.SubmitOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Jobs into the Redis queue: straight into the stream through submit.lua, which deduplicates by
 * job id and enforces the quota, or onto the ingress list as {@code LPUSH} would put them (the
 * {@link IngressMover} moves those into the stream). Cancelling is cancel.lua.
 */
public final class RedisIntake implements JobIntake {
    private final RedisConnections redis;
    private final QueueSettings settings;
    private final QueueScripts scripts;

    RedisIntake(RedisConnections redis, QueueSettings settings, QueueScripts scripts) {
        this.redis = redis;
        this.settings = settings;
        this.scripts = scripts;
    }

    @Override
    public List<SubmitOutcome> submit(List<ComputeJob> jobs) {
        return RedisReplies.await(submitAsync(jobs));
    }

    /** {@link #submit} without blocking: for producers that keep many submissions in flight. */
    public CompletableFuture<List<SubmitOutcome>> submitAsync(List<ComputeJob> jobs) {
        redis.requireConnected();
        if (jobs.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        return scripts.submit(jobs).thenApply(queued -> {
            if (queued.get(0) == -2L) {
                throw new QueueFullException(
                        "the queue is full: it holds " + queued.get(1) + " jobs and " + queued.get(2)
                                + " bytes of jobs, and takes at most " + settings.maxJobs() + " jobs and "
                                + settings.maxBytes()
                                + " bytes (packetfs.queue.max-jobs, packetfs.queue.max-bytes); nothing of this submission was queued");
            }
            List<SubmitOutcome> out = new ArrayList<>(jobs.size());
            for (int i = 0; i < jobs.size(); i++) {
                out.add(new SubmitOutcome(jobs.get(i).jobId(), queued.get(i) == 1L));
            }
            return out;
        });
    }

    @Override
    public void pushRaw(String jobJson) {
        redis.requireConnected();
        RedisReplies.await(redis.commands().lpush(redis.keys().ingress(), jobJson));
    }

    @Override
    public CancelOutcome cancel(String jobId) {
        redis.requireConnected();
        String result =
                JobJson.toText(JobJson.write(JobResult.failed(jobId, null, 0, 0, JobIntake.cancelledError(jobId))));
        return switch (RedisReplies.await(scripts.cancel(jobId, result))) {
            case "cancelling" -> CancelOutcome.CANCELLING;
            case "cancelled" -> CancelOutcome.CANCELLED;
            case "running" -> CancelOutcome.RUNNING;
            case "finished" -> CancelOutcome.FINISHED;
            default -> CancelOutcome.UNKNOWN;
        };
    }
}
