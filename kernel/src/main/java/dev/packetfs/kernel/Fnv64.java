package dev.packetfs.kernel;

/** FNV-1a 64-bit: constants, the byte loop, and the 16-hex-digit form results use. */
public final class Fnv64 {
    /** The FNV-1a 64 offset basis, the state of an empty hash. */
    public static final long OFFSET_BASIS = 0xcbf29ce484222325L;

    static final long PRIME = 0x100000001b3L;

    private Fnv64() {}

    /**
     * Continues the hash {@code state} over {@code a[off, off+len)}. The xor-multiply chain is
     * inherently serial (each multiply waits on the last), so this runs at the multiplier's
     * latency, about four cycles a byte; loading eight bytes at a time only trims the loads.
     */
    static long update(long state, byte[] a, int off, int len) {
        long h = state;
        int i = off;
        int end = off + len;
        for (int stop = end - 7; i < stop; i += 8) {
            long w = ByteScans.word(a, i);
            h = (h ^ (w & 0xFF)) * PRIME;
            h = (h ^ ((w >>> 8) & 0xFF)) * PRIME;
            h = (h ^ ((w >>> 16) & 0xFF)) * PRIME;
            h = (h ^ ((w >>> 24) & 0xFF)) * PRIME;
            h = (h ^ ((w >>> 32) & 0xFF)) * PRIME;
            h = (h ^ ((w >>> 40) & 0xFF)) * PRIME;
            h = (h ^ ((w >>> 48) & 0xFF)) * PRIME;
            h = (h ^ (w >>> 56)) * PRIME;
        }
        for (; i < end; i++) {
            h = (h ^ (a[i] & 0xFF)) * PRIME;
        }
        return h;
    }

    /** The 16 lower-case hex digits results carry. */
    public static String toHex(long hash) {
        String hex = Long.toHexString(hash);
        return "0".repeat(16 - hex.length()) + hex;
    }

    /** Parses exactly 16 hex digits (either case). */
    public static long parseHex(String hex) {
        if (hex.length() != 16) {
            throw new IllegalArgumentException("expected 16 hex digits");
        }
        return Long.parseUnsignedLong(hex, 16);
    }
}
