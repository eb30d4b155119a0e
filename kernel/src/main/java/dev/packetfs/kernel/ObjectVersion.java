package dev.packetfs.kernel;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version of a {@code data_url}'s object that a program must read (docs/kernel.md#versions):
 * an entity tag or a {@code Last-Modified} date, and the object's size. A fetcher sends it as a
 * precondition ({@code If-Match} for a strong tag, {@code If-Unmodified-Since} for a date) and
 * checks the answer against it too, since some origins ignore preconditions; a window of another
 * version is never computed. This is how the windows of one job are all read from one version of
 * an object.
 *
 * @param etag an entity tag with its quotes ({@code "5d41402a"}), or a weak one ({@code W/"5d4"}),
 *     or null
 * @param lastModified an IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}), or null; never
 *     together with {@code etag}
 * @param size the object's size in bytes, or {@link #UNKNOWN_SIZE}
 */
public record ObjectVersion(String etag, String lastModified, long size) {

    public static final long UNKNOWN_SIZE = -1;
    /** Longest entity tag accepted, quotes included. */
    public static final int MAX_ETAG_LENGTH = 256;

    /** RFC 9110 §8.8.3: {@code "} then visible ASCII other than {@code "}, then {@code "}; weak with {@code W/}. */
    private static final Pattern ETAG = Pattern.compile("(W/)?\"[\\x21\\x23-\\x7E]*\"");
    /** RFC 9110 §5.6.7: the one date format a sender generates. */
    private static final Pattern IMF_FIXDATE = Pattern.compile(
            "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT");

    private static final List<String> MONTHS =
            List.of("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec");

    public ObjectVersion {
        if (etag == null && lastModified == null && size == UNKNOWN_SIZE) {
            throw new ProgramException("version", "must name an etag, a last_modified or a size");
        }
        if (etag != null && lastModified != null) {
            throw new ProgramException("version", "give etag or last_modified, not both (etag is the stronger check)");
        }
        if (etag != null) {
            checkEtag(etag);
        }
        if (lastModified != null && !isImfFixdate(lastModified)) {
            throw new ProgramException(
                    "version",
                    "last_modified must be an HTTP date in IMF-fixdate form" + " (Sun, 06 Nov 1994 08:49:37 GMT), got '"
                            + abbreviate(lastModified) + "'");
        }
        if (size != UNKNOWN_SIZE && (size < 0 || size > Program.MAX_POSITION)) {
            throw new ProgramException(
                    "version", "size must be an integer 0.." + Program.MAX_POSITION + ", got " + size);
        }
    }

    /**
     * What a probe's answer pins, or null when it says nothing that could be checked: a strong
     * {@code ETag} when there is one (the origin can enforce it, and it names the bytes); else a
     * {@code Last-Modified} in IMF-fixdate form (enforceable too, to the second); else a weak
     * {@code ETag} (checked in answers only); and the size when known. A date in an obsolete form
     * pins nothing.
     */
    public static ObjectVersion pin(String etagHeader, String lastModifiedHeader, long size) {
        String etag = etagHeader == null ? null : etagHeader.trim();
        String date = lastModifiedHeader == null ? null : lastModifiedHeader.trim();
        boolean tagged = etag != null
                && etag.length() <= MAX_ETAG_LENGTH
                && ETAG.matcher(etag).matches();
        boolean strong = tagged && !etag.startsWith("W/");
        boolean dated = !strong && date != null && isImfFixdate(date);
        boolean weak = tagged && !strong && !dated;
        long known = size >= 0 && size <= Program.MAX_POSITION ? size : UNKNOWN_SIZE;
        if (!strong && !dated && !weak && known == UNKNOWN_SIZE) {
            return null;
        }
        return new ObjectVersion(strong || weak ? etag : null, dated ? date : null, known);
    }

    /** True for an entity tag an origin can enforce with {@code If-Match} (a weak one never matches there). */
    public boolean strongEtag() {
        return etag != null && !etag.startsWith("W/");
    }

    /** True when an ETag or a date is pinned; a size alone misses a change that keeps the size. */
    public boolean validated() {
        return etag != null || lastModified != null;
    }

    public boolean sizeKnown() {
        return size != UNKNOWN_SIZE;
    }

    /** The validator as a person reads it: {@code ETag "v1"}, {@code Last-Modified <date>}, or the size. */
    public String describe() {
        String validator =
                etag != null ? "ETag " + etag : lastModified != null ? "Last-Modified " + lastModified : null;
        String bytes = sizeKnown() ? size + " bytes" : null;
        return validator == null ? bytes : bytes == null ? validator : validator + ", " + bytes;
    }

    private static void checkEtag(String etag) {
        if (etag.length() > MAX_ETAG_LENGTH || !ETAG.matcher(etag).matches()) {
            throw new ProgramException(
                    "version",
                    "etag must be an entity tag: a quoted string of visible ASCII"
                            + " without quotes inside, W/ before it when weak, at most " + MAX_ETAG_LENGTH
                            + " characters, as in \"5d41402a\"; got '" + abbreviate(etag) + "'");
        }
    }

    /** An IMF-fixdate naming a real second of 1970..9999, with the right day of the week. */
    static boolean isImfFixdate(String text) {
        Matcher m = IMF_FIXDATE.matcher(text);
        if (!m.matches()) {
            return false;
        }
        int year = Integer.parseInt(m.group(4));
        int hour = Integer.parseInt(m.group(5));
        int minute = Integer.parseInt(m.group(6));
        int second = Integer.parseInt(m.group(7));
        if (year < 1970 || hour > 23 || minute > 59 || second > 59) {
            return false;
        }
        try {
            LocalDate day = LocalDate.of(year, MONTHS.indexOf(m.group(3)) + 1, Integer.parseInt(m.group(2)));
            DayOfWeek named = DayOfWeek.values()[
                    List.of("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun").indexOf(m.group(1))];
            return day.getDayOfWeek() == named;
        } catch (DateTimeException e) {
            return false;
        }
    }

    private static String abbreviate(String s) {
        String visible = s.replaceAll("[\\p{Cntrl}]", "?");
        return visible.length() <= 80 ? visible : visible.substring(0, 77) + "...";
    }
}
