package dev.packetfs.protocol.worker;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.kernel.KernelResult;

/** A worker's answer: an HTTP status and the worker protocol's JSON body. */
public record WorkerReply(int status, ObjectNode body) {

    static WorkerReply success(String jobId, KernelResult result, long executionTimeMs, String location) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("success", true);
        body.put("job_id", jobId);
        body.set("result", result.toJson());
        body.put("execution_time_ms", executionTimeMs);
        body.put("bytes_processed", result.bytesProcessed());
        body.put("location", location);
        return new WorkerReply(200, body);
    }

    /** {@code {"success": false, "error", "error_code"}} with the error's status. */
    public static WorkerReply failure(String jobId, WorkerError error, String message) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("success", false);
        if (jobId != null) {
            body.put("job_id", jobId);
        }
        body.put("error", message);
        body.put("error_code", error.code());
        return new WorkerReply(error.httpStatus(), body);
    }

    public boolean succeeded() {
        return status == 200;
    }
}
