package dev.packetfs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The word-at-a-time loops against one-byte-at-a-time definitions at every alignment and tail
 * length, with byte values chosen to hit the lane-carry edges (0x00, 0x7F, 0x80, 0xFF).
 */
class ByteScansTest {
    private static final int[] EDGE_BYTES = {0x00, 0x01, 0x7F, 0x80, 0x81, 0xFE, 0xFF};

    @Test
    void swarLoopsMatchPlainLoopsAtEveryAlignment() {
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 200; trial++) {
            byte[] a = new byte[300];
            boolean edgesOnly = trial % 2 == 0;
            for (int i = 0; i < a.length; i++) {
                a[i] = (byte) (edgesOnly ? EDGE_BYTES[random.nextInt(EDGE_BYTES.length)] : random.nextInt(256));
            }
            for (int off = 0; off < 16; off++) {
                int len = random.nextInt(a.length - off + 1);
                for (int imm : new int[] {0, 1, 0x7F, 0x80, 0xFF, random.nextInt(256)}) {
                    assertEquals(plainCount(a, off, len, imm), ByteScans.countEqual(a, off, len, imm), "counteq");
                    assertEquals(plainAdd(a, off, len, imm), ByteScans.addWrapped(a, off, len, imm), "add");
                }
                assertEquals(plainXor(a, off, len), ByteScans.xorFold(a, off, len), "xor");
                assertEquals(plainFnv(0x1234L, a, off, len), Fnv64.update(0x1234L, a, off, len), "fnv64");
            }
        }
    }

    @Test
    void addDoesNotOverflowItsLanesOverLongRuns() {
        byte[] a = new byte[1 << 20];
        java.util.Arrays.fill(a, (byte) 0xFF);
        // Every byte becomes 0xFE with imm 0xFF: the worst case for the 16-bit lane partial sums.
        assertEquals(0xFEL * a.length, ByteScans.addWrapped(a, 0, a.length, 0xFF));
        assertEquals(0xFFL * a.length, ByteScans.addWrapped(a, 0, a.length, 0));
        assertEquals(a.length, ByteScans.countEqual(a, 0, a.length, 0xFF));
    }

    @Test
    void crcCombineMatchesCrcOfTheConcatenation() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 100; trial++) {
            byte[] a = new byte[random.nextInt(5000)];
            random.nextBytes(a);
            int cut = random.nextInt(a.length + 1);
            long left = crc(a, 0, cut);
            long right = crc(a, cut, a.length - cut);
            assertEquals(crc(a, 0, a.length), Crc32cCombine.combine(left, right, a.length - cut));
        }
    }

    @Test
    void crcCombineHandlesLongRunsOfZeros() {
        byte[] zeros = new byte[3 << 20];
        long head = crc("123456789".getBytes(), 0, 9);
        byte[] all = new byte[9 + zeros.length];
        System.arraycopy("123456789".getBytes(), 0, all, 0, 9);
        assertEquals(crc(all, 0, all.length), Crc32cCombine.combine(head, crc(zeros, 0, zeros.length), zeros.length));
    }

    private static long crc(byte[] a, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(a, off, len);
        return crc.getValue();
    }

    private static long plainCount(byte[] a, int off, int len, int imm) {
        long n = 0;
        for (int i = off; i < off + len; i++) {
            n += (a[i] & 0xFF) == imm ? 1 : 0;
        }
        return n;
    }

    private static long plainAdd(byte[] a, int off, int len, int imm) {
        long s = 0;
        for (int i = off; i < off + len; i++) {
            s += ((a[i] & 0xFF) + imm) & 0xFF;
        }
        return s;
    }

    private static int plainXor(byte[] a, int off, int len) {
        int x = 0;
        for (int i = off; i < off + len; i++) {
            x ^= a[i] & 0xFF;
        }
        return x;
    }

    private static long plainFnv(long h, byte[] a, int off, int len) {
        for (int i = off; i < off + len; i++) {
            h = (h ^ (a[i] & 0xFF)) * 0x100000001b3L;
        }
        return h;
    }
}
