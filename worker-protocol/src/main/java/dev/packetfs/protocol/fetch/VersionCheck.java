package dev.packetfs.protocol.fetch;

import dev.packetfs.kernel.ObjectVersion;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a fetcher reads a window of a program pinned to a version (docs/kernel.md#versions): the
 * precondition it sends, and its own judgement of the answer, made before any byte of the body is
 * used because some origins ignore preconditions. The cases are
 * {@code worker-protocol/spec/version-checks.json}, which the JavaScript window reader runs too.
 */
public final class VersionCheck {
    /** The object's size as a 206 or 416 states it: the total after the slash. */
    private static final Pattern TOTAL = Pattern.compile("bytes (?:\\d+-\\d+|\\*)/(\\d+)");

    private VersionCheck() {}

    /**
     * The precondition to send on every hop: {@code If-Match} for a strong entity tag,
     * {@code If-Unmodified-Since} for a date; nothing for a weak tag (If-Match compares strongly,
     * so a weak tag would never match) or a size alone.
     */
    public static Map<String, String> preconditions(ObjectVersion version) {
        if (version == null) {
            return Map.of();
        }
        if (version.strongEtag()) {
            return Map.of("If-Match", version.etag());
        }
        if (version.lastModified() != null) {
            return Map.of("If-Unmodified-Since", version.lastModified());
        }
        return Map.of();
    }

    /**
     * Judges an answer of status 200, 206, 412 or 416 (others are not the version's to judge):
     * returns normally when the window may be read.
     *
     * @param header the answer's header by name (case-insensitive), or null when absent
     * @throws FetchException {@link FetchException.Kind#OBJECT_CHANGED} for a 412 or a validator or
     *     size that differs, {@link FetchException.Kind#BAD_REPLY} when the pinned validator's header
     *     is missing (the answer cannot be checked)
     */
    public static void check(ObjectVersion version, int status, Function<String, String> header, String url)
            throws FetchException {
        if (version == null || (status != 200 && status != 206 && status != 412 && status != 416)) {
            return;
        }
        if (status == 412) {
            // Many origins name the version they hold now in the 412 itself; say it when they do.
            String now = header.apply("ETag") != null
                    ? "ETag " + abbreviate(header.apply("ETag").trim())
                    : header.apply("Last-Modified") != null
                            ? "Last-Modified "
                                    + abbreviate(header.apply("Last-Modified").trim())
                            : null;
            throw new FetchException(
                    FetchException.Kind.OBJECT_CHANGED,
                    url + " answered 412 Precondition Failed: the object" + " is no longer " + version.describe()
                            + (now == null ? "" : "; it is now " + now));
        }
        if (version.etag() != null) {
            same("ETag", version.etag(), header.apply("ETag"), url);
        } else if (version.lastModified() != null) {
            same("Last-Modified", version.lastModified(), header.apply("Last-Modified"), url);
        }
        long stated = statedSize(status, header);
        if (version.sizeKnown() && stated >= 0 && stated != version.size()) {
            throw new FetchException(
                    FetchException.Kind.OBJECT_CHANGED,
                    url + " is no longer the version the program pins:" + " its size is " + stated
                            + " bytes where the program pins " + version.size());
        }
    }

    private static void same(String name, String pinned, String answered, String url) throws FetchException {
        if (answered == null) {
            throw new FetchException(
                    FetchException.Kind.BAD_REPLY,
                    url + " answered without the " + name + " the program pins, so the window cannot be checked");
        }
        if (!answered.trim().equals(pinned)) {
            throw new FetchException(
                    FetchException.Kind.OBJECT_CHANGED,
                    url + " is no longer the version the program pins:" + " it answered " + name + " "
                            + abbreviate(answered.trim()) + " where the program pins " + name + " " + pinned);
        }
    }

    /** The object's size the answer states, or -1 when it states none it could be held to. */
    private static long statedSize(int status, Function<String, String> header) {
        try {
            if (status == 200) {
                String length = header.apply("Content-Length");
                return length == null ? -1 : Long.parseLong(length.trim());
            }
            String range = header.apply("Content-Range");
            Matcher m = range == null ? null : TOTAL.matcher(range.trim());
            return m != null && m.matches() ? Long.parseLong(m.group(1)) : -1;
        } catch (NumberFormatException e) {
            return -1; // not a size: the answer's other checks refuse it
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "…";
    }
}
