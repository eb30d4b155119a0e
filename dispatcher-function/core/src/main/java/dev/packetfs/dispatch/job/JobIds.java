package dev.packetfs.dispatch.job;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Job ids: what a submitter may choose, and what the dispatcher assigns. An id becomes part of
 * Redis key names ({@code packetfs:results:<job_id>}) and URL paths, so it is restricted to
 * characters that are safe in both, and may not be {@code .} or {@code ..}, which a URL path
 * resolves away ({@code /results/..} is {@code /}) so the job could never be read back.
 */
public final class JobIds {
    public static final int MAX_LENGTH = 128;
    /** The rule, as documentation: {@link #valid} implements it. */
    static final Pattern VALID = Pattern.compile("(?!\\.{1,2}$)[A-Za-z0-9._:-]{1," + MAX_LENGTH + "}");

    private JobIds() {}

    public static String assign() {
        return UUID.randomUUID().toString();
    }

    public static void check(String jobId) {
        if (!valid(jobId)) {
            throw new JobException(
                    "job_id",
                    "must be 1.." + MAX_LENGTH + " characters of A-Z a-z 0-9 . _ : -, and not . or .., got "
                            + (jobId == null ? "nothing" : "'" + abbreviate(jobId) + "'"));
        }
    }

    /** The same rule as {@link #VALID}, without a regex: this runs for every job delivered. */
    private static boolean valid(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH || id.equals(".") || id.equals("..")) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '_'
                    || c == ':'
                    || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
