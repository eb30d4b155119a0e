// Generates kernel/spec/vectors.json, the golden vectors every PacketFS kernel must reproduce.
//
//   java kernel/spec/GenerateVectors.java > kernel/spec/vectors.json
//
// Deliberately independent of the production kernels: CRC-32C bit by bit, FNV-1a with
// BigInteger arithmetic mod 2^64, counteq/xor/add as plain byte loops, window cutting written
// out separately, and its own JSON writer. A bug shared with the production code would have to be
// made twice, in two different algorithms.
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

public class GenerateVectors {
    static final BigInteger FNV_PRIME = new BigInteger("100000001b3", 16);
    static final BigInteger FNV_BASIS = new BigInteger("cbf29ce484222325", 16);
    static final BigInteger MOD64 = BigInteger.ONE.shiftLeft(64);
    static final int[] IMM_EDGES = {0, 1, 0x7f, 0x80, 0xff};
    static final String[] OPS = {"counteq", "crc32c", "fnv64", "xor", "add"};

    // -- object descriptions (each runtime rebuilds the bytes the same way) ------------------

    /** An object as the vectors describe it, and its bytes. */
    record Obj(String json, byte[] bytes, String label) {}

    static Obj text(String s) {
        return new Obj("{\"text\":" + quote(s) + "}", s.getBytes(StandardCharsets.UTF_8), "text '" + s + "'");
    }

    static Obj fill(int value, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) value;
        return new Obj("{\"fill\":{\"byte\":" + value + ",\"size\":" + size + "}}", b, size + " bytes of " + value);
    }

    /** xorshift32 (13, 17, 5) from a non-zero seed; each state gives four bytes, low byte first. */
    static Obj prng(int seed, int size) {
        byte[] b = new byte[size];
        long x = seed & 0xFFFFFFFFL;
        for (int i = 0; i < size; i++) {
            if (i % 4 == 0) {
                x ^= (x << 13) & 0xFFFFFFFFL;
                x ^= x >>> 17;
                x ^= (x << 5) & 0xFFFFFFFFL;
            }
            b[i] = (byte) (x >>> (8 * (i % 4)));
        }
        return new Obj("{\"prng\":{\"seed\":" + seed + ",\"size\":" + size + "}}", b, size + " prng bytes, seed " + seed);
    }

    // -- reference operations ----------------------------------------------------------------

    static long crc32cBitwise(byte[] b, int from, int to) {
        long crc = 0xFFFFFFFFL;
        for (int i = from; i < to; i++) {
            crc ^= b[i] & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) == 1 ? (crc >>> 1) ^ 0x82F63B78L : crc >>> 1;
            }
        }
        return crc ^ 0xFFFFFFFFL;
    }

    static BigInteger fnv(BigInteger h, byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            h = h.xor(BigInteger.valueOf(b[i] & 0xFF)).multiply(FNV_PRIME).mod(MOD64);
        }
        return h;
    }

    static String hex16(BigInteger h) {
        String s = h.toString(16);
        while (s.length() < 16) s = "0" + s;
        return s;
    }

    /** The expected result object for op over b[from, to). */
    static String expected(String op, int imm, BigInteger fnvStart, byte[] b, int from, int to) {
        long n = to - from;
        switch (op) {
            case "counteq": {
                long c = 0;
                for (int i = from; i < to; i++) if ((b[i] & 0xFF) == imm) c++;
                return "{\"count\":" + c + ",\"bytes_processed\":" + n + "}";
            }
            case "crc32c":
                return "{\"checksum\":" + crc32cBitwise(b, from, to) + ",\"bytes_processed\":" + n + "}";
            case "fnv64":
                return "{\"hash\":\"" + hex16(fnv(fnvStart, b, from, to)) + "\",\"bytes_processed\":" + n + "}";
            case "xor": {
                int x = 0;
                for (int i = from; i < to; i++) x ^= (b[i] & 0xFF) ^ imm;
                return "{\"result\":" + x + ",\"bytes_processed\":" + n + "}";
            }
            case "add": {
                long s = 0;
                for (int i = from; i < to; i++) s += ((b[i] & 0xFF) + imm) & 0xFF;
                return "{\"result\":" + s + ",\"bytes_processed\":" + n + "}";
            }
            default:
                throw new IllegalArgumentException(op);
        }
    }

    // -- cases --------------------------------------------------------------------------------

    static final List<String> cases = new ArrayList<>();

    /**
     * One case. offset/length null mean "absent from the program"; the window is cut here with
     * plain comparisons, independently of the kernels' window code.
     */
    static void add(String name, Obj obj, boolean inline, String op, Integer imm, Long offset, Long length, String fnvState) {
        int size = obj.bytes.length;
        long off = offset == null ? 0 : offset;
        long from = off > size ? size : off;
        long to = length == null ? size : (from + length > size ? size : from + length);
        BigInteger start = fnvState == null ? FNV_BASIS : new BigInteger(fnvState, 16);
        StringBuilder p = new StringBuilder("{\"op\":\"" + op + "\"");
        if (imm != null) p.append(",\"imm\":").append(imm);
        if (offset != null) p.append(",\"offset\":").append(offset);
        if (length != null) p.append(",\"length\":").append(length);
        if (fnvState != null) p.append(",\"fnv_state\":\"").append(fnvState).append('"');
        if (inline) p.append(",\"data\":\"").append(Base64.getEncoder().encodeToString(obj.bytes)).append('"');
        p.append('}');
        String result = expected(op, imm == null ? 0 : imm, start, obj.bytes, (int) from, (int) to);
        cases.add("{\"name\":" + quote(name) + (inline ? "" : ",\"object\":" + obj.json)
                + ",\"program\":" + p + ",\"expected\":" + result + "}");
    }

    static void standardCheckValues() {
        Obj digits = text("123456789");
        add("crc32c check value of '123456789'", digits, false, "crc32c", null, null, null, null);
        add("fnv64 of ''", text(""), false, "fnv64", null, null, null, null);
        add("fnv64 of 'a'", text("a"), false, "fnv64", null, null, null, null);
        add("fnv64 of 'foobar'", text("foobar"), false, "fnv64", null, null, null, null);
        add("crc32c check value inline", digits, true, "crc32c", null, null, null, null);
        add("fnv64 of 'foobar' inline", text("foobar"), true, "fnv64", null, null, null, null);
        add("counteq '1' in digits", digits, false, "counteq", (int) '1', null, null, null);
        add("xor of digits", digits, false, "xor", null, null, null, null);
        add("add of digits", digits, false, "add", null, null, null, null);
    }

    /** Windows worth checking on an object of {@code n} bytes: {label, offset, length}. */
    static List<Object[]> windows(int n) {
        List<Object[]> w = new ArrayList<>();
        w.add(new Object[] {"whole object", null, null});
        w.add(new Object[] {"window at 0", 0L, (long) (n / 2)});
        w.add(new Object[] {"window in the middle", (long) (n / 3), (long) (n / 3 + 1)});
        w.add(new Object[] {"window past the end", (long) Math.max(0, n - 5), 100L});
        w.add(new Object[] {"offset past the end", (long) n + 10, 5L});
        w.add(new Object[] {"zero length", (long) (n / 2), 0L});
        w.add(new Object[] {"offset only", (long) (n / 2), null});
        w.add(new Object[] {"odd unaligned window", 3L, (long) Math.max(0, n - 7)});
        return w;
    }

    static void generated() {
        List<Obj> objects = new ArrayList<>();
        objects.add(prng(1, 0));
        for (int size : new int[] {1, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 255, 256, 257, 1000, 1023, 4096}) {
            objects.add(prng(size * 31 + 7, size));
        }
        for (int v : IMM_EDGES) objects.add(fill(v, 77));
        for (Obj obj : objects) {
            for (Object[] w : windows(obj.bytes.length)) {
                for (String op : OPS) {
                    boolean immMatters = !op.equals("crc32c") && !op.equals("fnv64");
                    int[] imms = immMatters ? IMM_EDGES : new int[] {0};
                    for (int imm : imms) {
                        add(op + " imm " + imm + ", " + w[0] + ", " + obj.label, obj, false, op,
                                immMatters ? imm : null, (Long) w[1], (Long) w[2], null);
                    }
                }
            }
        }
        // Large objects: long runs cross every SWAR block and JIT-compiled loop boundary.
        for (int size : new int[] {65537, (1 << 20) + 3, 2 << 20}) {
            Obj obj = prng(size ^ 0x5bd1e995, size);
            for (Object[] w : windows(size)) {
                if (w[0].equals("offset past the end") || w[0].equals("zero length")) continue;
                for (String op : OPS) {
                    boolean immMatters = !op.equals("crc32c") && !op.equals("fnv64");
                    add(op + ", " + w[0] + ", " + obj.label, obj, false, op, immMatters ? 0xa7 : null,
                            (Long) w[1], (Long) w[2], null);
                }
            }
        }
        // Inline data, with and without windows.
        for (int size : new int[] {0, 5, 64, 300}) {
            Obj obj = prng(size + 99, size);
            for (String op : OPS) {
                add(op + " inline, whole, " + obj.label, obj, true, op, 0x80, null, null, null);
                add(op + " inline, window, " + obj.label, obj, true, op, 0x80, 2L, 40L, null);
            }
        }
        // fnv64 continuing from a given state, as a chained window does.
        Obj chain = prng(424242, 500);
        String mid = hex16(fnv(FNV_BASIS, chain.bytes, 0, 200));
        add("fnv64 continued from the hash of the first 200 bytes", chain, false, "fnv64", null, 200L, null, mid);
        add("fnv64 from an explicit basis equals no state", chain, false, "fnv64", null, null, null, "cbf29ce484222325");
        add("fnv64 from state 0", chain, false, "fnv64", null, 10L, 20L, "0000000000000000");
        add("fnv64 from upper-case state", chain, false, "fnv64", null, 0L, 3L, "FFFFFFFFFFFFFFFF");
    }

    /**
     * A version names which object a data_url program reads; it changes no result. Only the size
     * is pinned here, so every runtime's origin (which serves the vector objects unversioned)
     * answers these as the kernel does; ETag and Last-Modified checks are the fetchers' cases
     * (worker-protocol/spec/version-checks.json).
     */
    static void versioned() {
        Obj chain = prng(424242, 500);
        String size = ",\"version\":{\"size\":500}";
        addVersioned("crc32c of an object pinned to its size", chain, "{\"op\":\"crc32c\"" + size + "}");
        addVersioned("fnv64 of a window of an object pinned to its size, chained", chain,
                "{\"op\":\"fnv64\",\"offset\":200,\"length\":100,\"fnv_state\":\"" + hex16(fnv(FNV_BASIS, chain.bytes, 0, 200)) + "\"" + size + "}");
        addVersioned("add over a window past the end of an object pinned to its size", chain,
                "{\"op\":\"add\",\"imm\":3,\"offset\":450,\"length\":100" + size + "}");
    }

    /** A case whose program (over {@code obj}, by data_url) is written out whole; the result as for add(). */
    static void addVersioned(String name, Obj obj, String program) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "\\{\"op\":\"(\\w+)\"(?:,\"imm\":(\\d+))?(?:,\"offset\":(\\d+))?(?:,\"length\":(\\d+))?(?:,\"fnv_state\":\"(\\w+)\")?,\"version\".*")
                .matcher(program);
        if (!m.matches()) {
            throw new IllegalArgumentException(program);
        }
        int size = obj.bytes.length;
        long off = m.group(3) == null ? 0 : Long.parseLong(m.group(3));
        int from = (int) Math.min(off, size);
        int to = m.group(4) == null ? size : (int) Math.min(size, from + Long.parseLong(m.group(4)));
        BigInteger start = m.group(5) == null ? FNV_BASIS : new BigInteger(m.group(5), 16);
        String result = expected(m.group(1), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)), start, obj.bytes, from, to);
        cases.add("{\"name\":" + quote(name) + ",\"object\":" + obj.json + ",\"program\":" + program + ",\"expected\":" + result + "}");
    }

    // -- invalid programs: every runtime refuses them, naming the field --------------------

    static final List<String> errors = new ArrayList<>();

    static void error(String name, String program, String field) {
        errors.add("{\"name\":" + quote(name) + ",\"program\":" + program + ",\"field\":\"" + field + "\"}");
    }

    static void invalid() {
        String d = "\"data\":\"AAEC\"";
        error("unknown op", "{\"op\":\"sha256\"," + d + "}", "op");
        error("op in upper case", "{\"op\":\"CRC32C\"," + d + "}", "op");
        error("op missing", "{" + d + "}", "op");
        error("op not a string", "{\"op\":3," + d + "}", "op");
        error("imm above 255", "{\"op\":\"counteq\",\"imm\":256," + d + "}", "imm");
        error("imm negative", "{\"op\":\"counteq\",\"imm\":-1," + d + "}", "imm");
        error("imm a fraction", "{\"op\":\"add\",\"imm\":1.5," + d + "}", "imm");
        error("imm a string", "{\"op\":\"add\",\"imm\":\"1\"," + d + "}", "imm");
        error("negative offset", "{\"op\":\"xor\",\"offset\":-1," + d + "}", "offset");
        error("negative length", "{\"op\":\"xor\",\"length\":-5," + d + "}", "length");
        error("offset beyond 2^53-1", "{\"op\":\"xor\",\"offset\":9007199254740992," + d + "}", "offset");
        error("length a string", "{\"op\":\"xor\",\"length\":\"10\"," + d + "}", "length");
        error("both data and data_url", "{\"op\":\"crc32c\"," + d + ",\"data_url\":\"https://example.com/o\"}", "data");
        error("neither data nor data_url", "{\"op\":\"crc32c\"}", "data");
        error("data not base64", "{\"op\":\"crc32c\",\"data\":\"!!!!\"}", "data");
        error("data with whitespace", "{\"op\":\"crc32c\",\"data\":\"AAEC AAEC\"}", "data");
        error("data of one character", "{\"op\":\"crc32c\",\"data\":\"A\"}", "data");
        error("data with padding in the middle", "{\"op\":\"crc32c\",\"data\":\"AA=C\"}", "data");
        error("data in the URL-safe alphabet", "{\"op\":\"crc32c\",\"data\":\"-_-_\"}", "data");
        error("data not a string", "{\"op\":\"crc32c\",\"data\":[1,2]}", "data");
        error("data_url not http", "{\"op\":\"crc32c\",\"data_url\":\"ftp://example.com/o\"}", "data_url");
        error("data_url a file path", "{\"op\":\"crc32c\",\"data_url\":\"/etc/passwd\"}", "data_url");
        // One URL, one address: Java reads 0177.0.0.1 as 177.0.0.1, browsers and workerd as
        // 127.0.0.1. An IPv4 host in any form but four decimal numbers is refused everywhere.
        for (String host : new String[] {"0177.0.0.1", "2130706433", "0x7f.0.0.1", "0x7f000001", "127.1", "012.1.2.3",
            "1.2.3.04", "1.2.3.4.", "0177.0.0.1:8080", "user@0177.0.0.1", "example.123", "a.0x"}) {
            error("data_url host " + host + " (an IPv4 address not in four decimal numbers)",
                    "{\"op\":\"crc32c\",\"data_url\":\"http://" + host + "/o\"}", "data_url");
        }
        error("fnv_state too short", "{\"op\":\"fnv64\",\"fnv_state\":\"abc\"," + d + "}", "fnv_state");
        error("fnv_state not hex", "{\"op\":\"fnv64\",\"fnv_state\":\"zzzzzzzzzzzzzzzz\"," + d + "}", "fnv_state");
        error("fnv_state on another op", "{\"op\":\"crc32c\",\"fnv_state\":\"cbf29ce484222325\"," + d + "}", "fnv_state");
        String u = "\"data_url\":\"https://example.com/o\"";
        String etag = "\"\\\"v1\\\"\"";
        String date = "\"Sun, 06 Nov 1994 08:49:37 GMT\"";
        error("version on inline data", "{\"op\":\"crc32c\"," + d + ",\"version\":{\"size\":3}}", "version");
        error("version not an object", "{\"op\":\"crc32c\"," + u + ",\"version\":" + etag + "}", "version");
        error("version empty", "{\"op\":\"crc32c\"," + u + ",\"version\":{}}", "version");
        error("version with an unknown field", "{\"op\":\"crc32c\"," + u + ",\"version\":{\"crc\":1}}", "version");
        error("version with both etag and last_modified",
                "{\"op\":\"crc32c\"," + u + ",\"version\":{\"etag\":" + etag + ",\"last_modified\":" + date + "}}", "version");
        error("version etag weak but unquoted", "{\"op\":\"crc32c\"," + u + ",\"version\":{\"etag\":\"W/v1\"}}", "version");
        error("version etag weak in lower case", "{\"op\":\"crc32c\"," + u + ",\"version\":{\"etag\":\"w/\\\"v1\\\"\"}}", "version");
        error("version etag unquoted", "{\"op\":\"crc32c\"," + u + ",\"version\":{\"etag\":\"v1\"}}", "version");
        error("version etag with a quote inside", "{\"op\":\"crc32c\"," + u + ",\"version\":{\"etag\":\"\\\"a\\\"b\\\"\"}}", "version");
        error("version etag with a space inside", "{\"op\":\"crc32c\"," + u + ",\"version\":{\"etag\":\"\\\"a b\\\"\"}}", "version");
        error("version etag longer than 256 characters",
                "{\"op\":\"crc32c\"," + u + ",\"version\":{\"etag\":\"\\\"" + "e".repeat(255) + "\\\"\"}}", "version");
        error("version etag not a string", "{\"op\":\"crc32c\"," + u + ",\"version\":{\"etag\":12}}", "version");
        error("version last_modified in the obsolete RFC 850 form",
                "{\"op\":\"crc32c\"," + u + ",\"version\":{\"last_modified\":\"Sunday, 06-Nov-94 08:49:37 GMT\"}}", "version");
        error("version last_modified on the wrong day of the week",
                "{\"op\":\"crc32c\"," + u + ",\"version\":{\"last_modified\":\"Mon, 06 Nov 1994 08:49:37 GMT\"}}", "version");
        error("version last_modified on 30 February",
                "{\"op\":\"crc32c\"," + u + ",\"version\":{\"last_modified\":\"Sun, 30 Feb 2025 08:49:37 GMT\"}}", "version");
        error("version last_modified at hour 24",
                "{\"op\":\"crc32c\"," + u + ",\"version\":{\"last_modified\":\"Sun, 06 Nov 1994 24:00:00 GMT\"}}", "version");
        error("version last_modified in a zone other than GMT",
                "{\"op\":\"crc32c\"," + u + ",\"version\":{\"last_modified\":\"Sun, 06 Nov 1994 08:49:37 UTC\"}}", "version");
        error("version size negative", "{\"op\":\"crc32c\"," + u + ",\"version\":{\"size\":-1}}", "version");
        error("version size a fraction", "{\"op\":\"crc32c\"," + u + ",\"version\":{\"size\":1.5}}", "version");
        error("version size a string", "{\"op\":\"crc32c\"," + u + ",\"version\":{\"size\":\"9\"}}", "version");
        error("version size beyond 2^53-1", "{\"op\":\"crc32c\"," + u + ",\"version\":{\"size\":9007199254740992}}", "version");
        error("unknown field", "{\"op\":\"crc32c\",\"opp\":1," + d + "}", "opp");
        error("program not an object", "[\"crc32c\"]", "program");
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    public static void main(String[] args) {
        standardCheckValues();
        generated();
        versioned();
        invalid();
        StringBuilder out = new StringBuilder();
        out.append("{\n\"about\":").append(quote(
                "Golden vectors for the PacketFS kernel, generated by kernel/spec/GenerateVectors.java"
                + " (bit-by-bit CRC-32C, BigInteger FNV-1a, plain loops). Objects: text = UTF-8 bytes;"
                + " fill = size copies of byte; prng = xorshift32 (x^=x<<13; x^=x>>>17; x^=x<<5, 32-bit)"
                + " from seed, each state giving 4 bytes low byte first, cut to size."
                + " A case without object carries its bytes inline in program.data."));
        out.append(",\n\"cases\":[\n").append(String.join(",\n", cases)).append("\n]");
        out.append(",\n\"errors\":[\n").append(String.join(",\n", errors)).append("\n]\n}\n");
        System.out.print(out);
    }
}
