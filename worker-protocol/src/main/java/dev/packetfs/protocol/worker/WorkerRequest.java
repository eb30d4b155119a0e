package dev.packetfs.protocol.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramException;
import dev.packetfs.kernel.ProgramJson;
import java.time.Duration;

/**
 * {@code POST /compute}'s body: {@code {"job_id", "program", "timeout_ms"}}.
 *
 * @param timeout the caller's budget; null when the caller left it to the worker
 */
public record WorkerRequest(String jobId, Program program, Duration timeout) {
    static final int MAX_JOB_ID_CHARS = 200;

    /** Validates a parsed body, naming the field at fault. */
    public static WorkerRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ProgramException("body", "must be a JSON object {\"job_id\", \"program\", \"timeout_ms\"}");
        }
        JsonNode id = body.get("job_id");
        if (id != null && !id.isNull() && (!id.isTextual() || id.asText().length() > MAX_JOB_ID_CHARS)) {
            throw new ProgramException("job_id", "must be a string of at most " + MAX_JOB_ID_CHARS + " characters");
        }
        JsonNode timeoutNode = body.get("timeout_ms");
        Duration timeout = null;
        if (timeoutNode != null && !timeoutNode.isNull()) {
            if (!timeoutNode.canConvertToLong() || !timeoutNode.isIntegralNumber() || timeoutNode.longValue() <= 0) {
                throw new ProgramException("timeout_ms", "must be a positive integer number of milliseconds");
            }
            timeout = Duration.ofMillis(timeoutNode.longValue());
        }
        Program program = ProgramJson.parse(body.get("program"));
        return new WorkerRequest(id == null || id.isNull() ? null : id.asText(), program, timeout);
    }

    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("job_id", jobId);
        node.set("program", ProgramJson.write(program));
        if (timeout != null) {
            node.put("timeout_ms", timeout.toMillis());
        }
        return node;
    }
}
