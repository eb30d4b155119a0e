package dev.packetfs.dispatch.job;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Job ids: what a submitter may choose, and what the dispatcher assigns. An id becomes part of
 * Redis key names ({@code packetfs:results:<job_id>}) and URL paths, so it is restricted to
 * characters that are safe in both.
 */
public final class JobIds {
    public static final int MAX_LENGTH = 128;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_LENGTH + "}");

    private JobIds() {}

    public static String assign() {
        return UUID.randomUUID().toString();
    }

    public static void check(String jobId) {
        if (jobId == null || !VALID.matcher(jobId).matches()) {
            throw new JobException("job_id", "must be 1.." + MAX_LENGTH + " characters of A-Z a-z 0-9 . _ : -, got "
                    + (jobId == null ? "nothing" : "'" + abbreviate(jobId) + "'"));
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
