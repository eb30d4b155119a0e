package dev.packetfs.kernel;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A validated PacketFS program: which operation, over which window of which bytes.
 *
 * <p>Exactly one of {@code dataUrl} and {@code data} is set. The window is
 * {@code [offset, offset + length)}, cut at the object's end; {@link #TO_END} means "to the end".
 * Construction enforces the rules of docs/kernel.md, so holding a {@code Program} means it is valid.
 *
 * @param fnvState for {@link Op#FNV64} only: the state to continue from instead of the offset
 *     basis, which is how a hash over adjacent windows is chained
 * @param version for a {@code dataUrl} only: the version of the object the window must be read
 *     from, or null for whatever the origin serves (docs/kernel.md#versions)
 */
public record Program(
        Op op,
        int imm,
        String dataUrl,
        byte[] data,
        long offset,
        long length,
        OptionalLong fnvState,
        ObjectVersion version) {

    /** The {@code length} meaning "up to the end of the object". */
    public static final long TO_END = Long.MAX_VALUE;

    /**
     * The largest offset or length a program may carry: 2^53 - 1, the largest integer every JSON
     * reader (JavaScript's included) holds exactly, so Java and JavaScript accept the same programs.
     */
    public static final long MAX_POSITION = (1L << 53) - 1;

    /** Longest accepted {@code data_url}; longer ones are refused rather than passed to a fetcher. */
    public static final int MAX_URL_LENGTH = 8192;

    public Program {
        if (op == null) {
            throw new ProgramException("op", "is required; expected one of " + Op.wireNames());
        }
        if (imm < 0 || imm > 255) {
            throw new ProgramException("imm", "must be an integer 0..255, got " + imm);
        }
        if ((dataUrl == null) == (data == null)) {
            throw new ProgramException(
                    "data",
                    "exactly one of data and data_url is required, " + (dataUrl == null ? "got neither" : "got both"));
        }
        if (dataUrl != null) {
            checkUrl(dataUrl);
        }
        checkPosition("offset", offset);
        if (length != TO_END) {
            checkPosition("length", length);
        }
        fnvState = fnvState == null ? OptionalLong.empty() : fnvState;
        if (fnvState.isPresent() && op != Op.FNV64) {
            throw new ProgramException("fnv_state", "applies only to op fnv64, not " + op.wireName());
        }
        if (version != null && dataUrl == null) {
            throw new ProgramException("version", "applies only to a program with data_url");
        }
    }

    /** A program that reads whatever version of its object the origin serves. */
    public Program(Op op, int imm, String dataUrl, byte[] data, long offset, long length, OptionalLong fnvState) {
        this(op, imm, dataUrl, data, offset, length, fnvState, null);
    }

    /** A program over inline bytes, the whole object as its window. */
    public static Program over(Op op, int imm, byte[] data) {
        return new Program(op, imm, null, data, 0, TO_END, OptionalLong.empty());
    }

    /** The same program with another window, e.g. one piece of a split object. */
    public Program withWindow(long newOffset, long newLength) {
        return new Program(op, imm, dataUrl, data, newOffset, newLength, fnvState, version);
    }

    /** The same program continuing an FNV-1a hash from {@code state}. */
    public Program withFnvState(long state) {
        return new Program(op, imm, dataUrl, data, offset, length, OptionalLong.of(state), version);
    }

    /** The same program, read only from {@code pinned} (null: from whatever the origin serves). */
    public Program withVersion(ObjectVersion pinned) {
        return new Program(op, imm, dataUrl, data, offset, length, fnvState, pinned);
    }

    /** First byte of the window within an object of {@code objectSize} bytes. */
    public long windowStart(long objectSize) {
        return Math.min(offset, objectSize);
    }

    /** Bytes in the window within an object of {@code objectSize} bytes, after cutting at the end. */
    public long windowLength(long objectSize) {
        long start = windowStart(objectSize);
        return Math.min(length, objectSize - start);
    }

    @Override
    public String toString() {
        return "Program[op=" + op.wireName() + ", imm=" + imm
                + (dataUrl != null ? ", data_url=" + abbreviate(dataUrl) : ", data=" + data.length + " bytes")
                + ", offset=" + offset + ", length=" + (length == TO_END ? "to end" : length)
                + (fnvState.isPresent() ? ", fnv_state=" + Fnv64.toHex(fnvState.getAsLong()) : "")
                + (version != null ? ", version=" + version.describe() : "") + "]";
    }

    private static void checkPosition(String field, long value) {
        if (value < 0 || value > MAX_POSITION) {
            throw new ProgramException(field, "must be an integer 0.." + MAX_POSITION + ", got " + value);
        }
    }

    /**
     * Refuses a URL no program may name: too long, not absolute http or https, no host, or a host
     * that is an IPv4 address in a non-canonical spelling. Fetchers apply it to redirects too.
     */
    public static void checkUrl(String url) {
        if (url.length() > MAX_URL_LENGTH) {
            throw new ProgramException("data_url", "is longer than " + MAX_URL_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || !uri.isAbsolute()) {
            throw new ProgramException("data_url", "is not a valid URL: '" + abbreviate(url) + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new ProgramException("data_url", "must be an http or https URL, got '" + abbreviate(url) + "'");
        }
        String host = writtenHost(url);
        if (host != null && endsInANumber(host) && !CANONICAL_IPV4.matcher(host).matches()) {
            // A trailing dot counts as non-canonical too: "1.2.3.4." is 1.2.3.4 to a browser and no host to Java.
            throw new ProgramException(
                    "data_url",
                    "the host " + abbreviate(host) + " is an IPv4 address written in a"
                            + " non-canonical form (leading zeros, hex or octal parts, fewer than four parts, or a single"
                            + " number); write it as four decimal numbers");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new ProgramException("data_url", "has no host: '" + abbreviate(url) + "'");
        }
    }

    /** Four decimal numbers 0..255, none with a leading zero. */
    private static final Pattern CANONICAL_IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])");
    /** A label WHATWG's URL parser reads as a number: decimal digits, or 0x and hex digits. */
    private static final Pattern NUMBER_LABEL = Pattern.compile("[0-9]+|0[xX][0-9a-fA-F]*");

    /**
     * The host as written in the URL (parsers normalise it: to a browser {@code 0177.0.0.1} is
     * {@code 127.0.0.1}), lower-cased, without userinfo or port; null for an IPv6 literal.
     */
    private static String writtenHost(String url) {
        int start = url.indexOf("://");
        if (start < 0) {
            return null;
        }
        String authority = url.substring(start + 3);
        int end = 0;
        while (end < authority.length() && "/?#".indexOf(authority.charAt(end)) < 0) {
            end++;
        }
        authority = authority.substring(0, end);
        String host = authority.substring(authority.lastIndexOf('@') + 1);
        if (host.startsWith("[")) {
            return null;
        }
        int colon = host.indexOf(':');
        return (colon >= 0 ? host.substring(0, colon) : host).toLowerCase(Locale.ROOT);
    }

    /**
     * WHATWG's "ends in a number": when a host's last label is a number, browsers and workerd
     * parse the whole host as an IPv4 address, in forms Java reads differently or not at all.
     */
    private static boolean endsInANumber(String host) {
        String labels =
                host.endsWith(".") ? host.substring(0, host.length() - 1) : host; // one empty last label is ignored
        return NUMBER_LABEL
                .matcher(labels.substring(labels.lastIndexOf('.') + 1))
                .matches();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
