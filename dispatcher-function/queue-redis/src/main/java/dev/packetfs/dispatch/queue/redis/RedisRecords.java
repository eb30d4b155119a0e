package dev.packetfs.dispatch.queue.redis;

import dev.packetfs.dispatch.fanout.FanOutProgress;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.queue.JobRecords;
import dev.packetfs.dispatch.queue.JobStatus;
import io.lettuce.core.SetArgs;
import java.util.Map;
import java.util.Optional;

/** A job's state from its hash ({@code packetfs:job:{id}}), its result from {@code packetfs:result:{id}}. */
final class RedisRecords implements JobRecords {
    private final RedisConnections redis;
    private final FanOutFinisher finisher;

    RedisRecords(RedisConnections redis, FanOutFinisher finisher) {
        this.redis = redis;
        this.finisher = finisher;
    }

    @Override
    public Optional<JobResult> result(String jobId) {
        redis.requireConnected();
        String text = RedisReplies.await(redis.commands().get(redis.keys().result(jobId)));
        return text == null ? Optional.empty() : Optional.of(JobJson.readResult(JobJson.readTree(text)));
    }

    @Override
    public void correctResult(JobResult corrected) {
        // XX: only where a result exists; KEEPTTL: the original 24 h stand (Redis 6.0+).
        RedisReplies.await(redis.commands()
                .set(
                        redis.keys().result(corrected.jobId()),
                        JobJson.toText(JobJson.write(corrected)),
                        SetArgs.Builder.xx().keepttl()));
    }

    @Override
    public Optional<JobStatus> status(String jobId) {
        Optional<JobResult> result = result(jobId);
        if (result.isPresent()) {
            return result.map(RedisRecords::finished);
        }
        Map<String, String> job =
                RedisReplies.await(redis.commands().hgetall(redis.keys().job(jobId)));
        if (job == null || job.isEmpty()) {
            // Finished between the two reads (the result stored and the job's hash deleted in one
            // step): the result is there now; else the job is unknown.
            return result(jobId).map(RedisRecords::finished);
        }
        FanOutProgress fanOut = "1".equals(job.get("fanout")) ? RedisReplies.await(finisher.progress(jobId)) : null;
        return Optional.of(new JobStatus(
                jobId,
                job.getOrDefault("state", "queued"),
                Integer.parseInt(job.getOrDefault("attempts", "0")),
                job.get("substrate"),
                null,
                fanOut));
    }

    private static JobStatus finished(JobResult r) {
        return new JobStatus(r.jobId(), r.status().wireName(), r.attempts(), r.substrate(), r.error());
    }
}
