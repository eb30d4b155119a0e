package dev.packetfs.dispatch.contract;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import java.nio.charset.StandardCharsets;

/** Small jobs for tests. */
public final class Jobs {
    private Jobs() {}

    /** crc32c over inline text, so every result is easy to check by recomputing. */
    public static ComputeJob crc(String jobId, String text) {
        return ComputeJob.of(jobId, Program.over(Op.CRC32C, 0, text.getBytes(StandardCharsets.UTF_8)));
    }

    public static String crcJson(String jobId, String base64) {
        return "{\"job_id\":\"" + jobId + "\",\"program\":{\"op\":\"crc32c\",\"data\":\"" + base64 + "\"}}";
    }
}
