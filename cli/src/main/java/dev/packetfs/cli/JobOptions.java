package dev.packetfs.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramJson;
import java.math.BigDecimal;
import java.util.List;
import picocli.CommandLine.Option;

/** A job's fields other than its program (docs/jobs.md). */
final class JobOptions {

    @Option(names = "--job-id", paramLabel = "ID", description = "the job's id (default: assigned by the dispatcher)")
    String jobId;

    @Option(
            names = "--substrate",
            paramLabel = "NAME",
            description = "run only there (lambda, flyio, cloudflare, browser, local)")
    String substrate;

    @Option(
            names = "--substrates",
            paramLabel = "A,B",
            split = ",",
            description = "run only on these (each window of a --window job too)")
    List<String> substrates;

    @Option(names = "--public", description = "untrusted volunteer browsers may see the job's data")
    boolean isPublic;

    @Option(names = "--max-cost-usd", paramLabel = "USD", description = "refuse substrates expected to cost more")
    BigDecimal maxCostUsd;

    @Option(names = "--required-memory-mb", paramLabel = "MB")
    Integer requiredMemoryMb;

    @Option(names = "--max-duration-ms", paramLabel = "MS")
    Long maxDurationMs;

    @Option(names = "--requires-gpu")
    boolean requiresGpu;

    @Option(names = "--requires-state")
    boolean requiresState;

    ObjectNode toJson(Program program) {
        ObjectNode job = JsonNodeFactory.instance.objectNode();
        if (jobId != null) {
            job.put("job_id", jobId);
        }
        job.set("program", ProgramJson.write(program));
        if (substrate != null) {
            job.put("substrate", substrate);
        }
        if (substrates != null && !substrates.isEmpty()) {
            substrates.forEach(job.putArray("substrates")::add);
        }
        if (isPublic) {
            job.put("public", true);
        }
        if (maxCostUsd != null) {
            job.put("max_cost_usd", maxCostUsd);
        }
        if (requiredMemoryMb != null) {
            job.put("required_memory_mb", requiredMemoryMb);
        }
        if (maxDurationMs != null) {
            job.put("max_duration_ms", maxDurationMs);
        }
        if (requiresGpu) {
            job.put("requires_gpu", true);
        }
        if (requiresState) {
            job.put("requires_state", true);
        }
        return job;
    }
}
