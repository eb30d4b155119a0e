package dev.packetfs.kernel;

/**
 * Combines the CRC-32C of two adjacent byte runs without reading either: CRC(A‖B) from CRC(A),
 * CRC(B) and |B|. Appending |B| zero bytes to A multiplies A's register by x^(8|B|) modulo the
 * polynomial, and the pre/post inversions of the two halves cancel, so
 * {@code crc(A‖B) = crc(A)·x^(8|B|) mod P ⊕ crc(B)}. x^(8|B|) is built from a table of
 * x^(2^k) by square-and-multiply, so the cost is O(log |B|) carry-less products (zlib's
 * {@code crc32_combine} method, here for the Castagnoli polynomial).
 */
public final class Crc32cCombine {
    /** The Castagnoli polynomial, bit-reflected (x^0 is the most significant bit). */
    private static final int POLY = 0x82F63B78;

    private static final int X0 = 0x80000000;

    /** POWERS[k] = x^(2^k) mod P; enough entries for any 63-bit byte length times 8. */
    private static final int[] POWERS = new int[67];

    static {
        int p = X0 >>> 1; // x^1
        for (int k = 0; k < POWERS.length; k++) {
            POWERS[k] = p;
            p = multiply(p, p);
        }
    }

    private Crc32cCombine() {}

    /** CRC-32C of A‖B, given {@code crcA}, {@code crcB} and {@code lengthB} (bytes, ≥ 0). */
    public static long combine(long crcA, long crcB, long lengthB) {
        if (lengthB < 0) {
            throw new IllegalArgumentException("negative length " + lengthB);
        }
        int shifted = multiply(xPowEightN(lengthB), (int) crcA);
        return Integer.toUnsignedLong(shifted ^ (int) crcB);
    }

    /** x^(8n) mod P. */
    private static int xPowEightN(long n) {
        int p = X0;
        for (int k = 3; n != 0; n >>>= 1, k++) {
            if ((n & 1) != 0) {
                p = multiply(POWERS[k], p);
            }
        }
        return p;
    }

    /** a·b mod P for reflected polynomials. */
    private static int multiply(int a, int b) {
        int product = 0;
        for (int m = X0; m != 0; m >>>= 1) {
            if ((a & m) != 0) {
                product ^= b;
            }
            b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1;
        }
        return product;
    }
}
