package dev.packetfs.protocol.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.ProgramException;
import dev.packetfs.protocol.fetch.FetchException;
import dev.packetfs.protocol.fetch.WindowFetcher;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Semaphore;

/**
 * The worker protocol over the shared fetch-and-execute path: every Java worker (Lambda, Fly.io)
 * hands it the {@code /compute} body and sends back the {@link WorkerReply}. Authentication is the
 * caller's job and happens before this is reached, so a request without the token does no work.
 */
public final class ComputeWorker {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WindowFetcher fetcher;
    private final WorkerLimits limits;
    private final String location;
    private final Semaphore slots;

    public ComputeWorker(WindowFetcher fetcher, WorkerLimits limits, String location) {
        this.fetcher = fetcher;
        this.limits = limits;
        this.location = location;
        this.slots = new Semaphore(limits.maxConcurrency());
    }

    /** Runs one {@code /compute} body; never throws for anything a caller sent. */
    public WorkerReply compute(byte[] body) {
        return compute(body, null);
    }

    /**
     * As {@link #compute(byte[])}, finishing within {@code deadline} when it is not null (what a
     * Lambda invocation has left), whatever {@code timeout_ms} asks.
     */
    public WorkerReply compute(byte[] body, Duration deadline) {
        if (body.length > limits.maxBodyBytes()) {
            return WorkerReply.failure(
                    null,
                    WorkerError.TOO_LARGE,
                    "body of " + body.length + " bytes exceeds the limit of " + limits.maxBodyBytes());
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return WorkerReply.failure(
                    null, WorkerError.BAD_REQUEST, "body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return WorkerReply.failure(null, WorkerError.BAD_REQUEST, "body could not be read: " + e.getMessage());
        }
        return compute(json, deadline);
    }

    /** As {@link #compute(byte[], Duration)}, for a body already parsed (a Lambda Invoke payload). */
    public WorkerReply compute(JsonNode json, Duration deadline) {
        WorkerRequest request;
        try {
            request = WorkerRequest.parse(json);
        } catch (ProgramException e) {
            String jobId = json != null && json.path("job_id").isTextual()
                    ? json.get("job_id").asText()
                    : null;
            return WorkerReply.failure(jobId, WorkerError.BAD_REQUEST, e.getMessage());
        }
        if (!slots.tryAcquire()) {
            return WorkerReply.failure(
                    request.jobId(),
                    WorkerError.BUSY,
                    "all " + limits.maxConcurrency() + " slots of this worker are busy");
        }
        try {
            return run(request, deadline);
        } finally {
            slots.release();
        }
    }

    private WorkerReply run(WorkerRequest request, Duration deadline) {
        Duration timeout = shortest(request.timeout(), limits.maxDuration(), deadline);
        long start = System.nanoTime();
        try {
            KernelResult result = fetcher.fetchAndExecute(request.program(), timeout);
            return WorkerReply.success(request.jobId(), result, (System.nanoTime() - start) / 1_000_000, location);
        } catch (ProgramException e) {
            return WorkerReply.failure(request.jobId(), WorkerError.BAD_REQUEST, e.getMessage());
        } catch (FetchException e) {
            return WorkerReply.failure(request.jobId(), WorkerError.of(e), "data_url: " + e.getMessage());
        } catch (RuntimeException e) {
            return WorkerReply.failure(request.jobId(), WorkerError.INTERNAL, "worker failed: " + e);
        }
    }

    private static Duration shortest(Duration... candidates) {
        Duration shortest = null;
        for (Duration d : candidates) {
            if (d != null && (shortest == null || d.compareTo(shortest) < 0)) {
                shortest = d;
            }
        }
        return shortest;
    }

    /** {@code GET /health}'s body. */
    public ObjectNode health() {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("status", "ok");
        ObjectNode capabilities = body.putObject("capabilities");
        capabilities.put("max_memory_mb", limits.maxMemoryMb());
        capabilities.put("max_duration_ms", limits.maxDuration().toMillis());
        capabilities.put("max_concurrency", limits.maxConcurrency());
        capabilities.put("max_body_bytes", limits.maxBodyBytes());
        ArrayNode ops = capabilities.putArray("ops");
        for (Op op : Op.values()) {
            ops.add(op.wireName());
        }
        body.put("location", location);
        return body;
    }

    public String location() {
        return location;
    }
}
