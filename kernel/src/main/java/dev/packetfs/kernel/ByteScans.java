package dev.packetfs.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The word-at-a-time loops behind counteq, xor and add: eight bytes per step in a long (SWAR),
 * each lane kept apart so no carry crosses a byte boundary.
 */
final class ByteScans {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
    private static final long HIGH = 0x8080808080808080L;
    private static final long EVEN_BYTES = 0x00FF00FF00FF00FFL;
    private static final long EVEN_SHORTS = 0x0000FFFF0000FFFFL;

    /**
     * Words per block in {@link #addWrapped}: each step adds at most 2·255 to a 16-bit lane, so
     * 128 steps (65,280) cannot overflow it.
     */
    private static final int ADD_BLOCK_WORDS = 128;

    private ByteScans() {}

    static long word(byte[] a, int index) {
        return (long) LONGS.get(a, index);
    }

    /** Bytes of {@code a[off, off+len)} equal to {@code imm}. */
    static long countEqual(byte[] a, int off, int len, int imm) {
        long pattern = ONES * imm;
        int end = off + len;
        int i = off;
        long differing = 0;
        for (int stop = end - 7; i < stop; i += 8) {
            differing += Long.bitCount(nonZeroLanes(word(a, i) ^ pattern));
        }
        long count = (long) (i - off) - differing;
        for (; i < end; i++) {
            if ((a[i] & 0xFF) == imm) {
                count++;
            }
        }
        return count;
    }

    /**
     * The high bit of each lane set exactly when that byte is non-zero: the low seven bits plus
     * 0x7F carry into bit 7 when any is set (and cannot carry further), and OR-ing {@code x} adds
     * the byte's own high bit.
     */
    private static long nonZeroLanes(long x) {
        return (((x & LOW7) + LOW7) | x) & HIGH;
    }

    /** XOR of the bytes of {@code a[off, off+len)}. */
    static int xorFold(byte[] a, int off, int len) {
        int end = off + len;
        int i = off;
        long acc = 0;
        for (int stop = end - 7; i < stop; i += 8) {
            acc ^= word(a, i);
        }
        acc ^= acc >>> 32;
        acc ^= acc >>> 16;
        acc ^= acc >>> 8;
        int folded = (int) acc & 0xFF;
        for (; i < end; i++) {
            folded ^= a[i] & 0xFF;
        }
        return folded;
    }

    /** Sum of {@code (b + imm) & 0xFF} over the bytes b of {@code a[off, off+len)}. */
    static long addWrapped(byte[] a, int off, int len, int imm) {
        long pattern = ONES * imm;
        long patternLow = pattern & LOW7;
        long patternHigh = pattern & HIGH;
        int end = off + len;
        int i = off;
        long total = 0;
        while (end - i >= 8) {
            int blockEnd = i + 8 * Math.min(ADD_BLOCK_WORDS, (end - i) / 8);
            long lanes = 0; // four 16-bit partial sums
            for (; i < blockEnd; i += 8) {
                long w = word(a, i);
                // Per-lane (b + imm) mod 256: add the low seven bits, then fix bit 7 with XOR.
                long s = ((w & LOW7) + patternLow) ^ ((w & HIGH) ^ patternHigh);
                lanes += (s & EVEN_BYTES) + ((s >>> 8) & EVEN_BYTES);
            }
            long pairs = (lanes & EVEN_SHORTS) + ((lanes >>> 16) & EVEN_SHORTS);
            total += (pairs & 0xFFFFFFFFL) + (pairs >>> 32);
        }
        for (; i < end; i++) {
            total += (a[i] + imm) & 0xFF;
        }
        return total;
    }
}
