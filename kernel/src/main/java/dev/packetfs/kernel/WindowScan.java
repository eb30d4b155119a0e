package dev.packetfs.kernel;

import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * One program's pass over its window, fed in pieces as they arrive (from memory or a network
 * stream), so a fetcher never has to hold more than one buffer. Not thread-safe.
 */
public final class WindowScan {
    private final Op op;
    private final int imm;
    private final CRC32C crc;
    private long state;
    private long bytes;

    WindowScan(Op op, int imm, long fnvStart) {
        this.op = op;
        this.imm = imm;
        this.crc = op == Op.CRC32C ? new CRC32C() : null;
        this.state = op == Op.FNV64 ? fnvStart : 0;
    }

    /** Feeds the next {@code len} bytes of the window. */
    public WindowScan update(byte[] a, int off, int len) {
        Objects.checkFromIndexSize(off, len, a.length);
        switch (op) {
            case COUNTEQ -> state += ByteScans.countEqual(a, off, len, imm);
            // XOR of (b ^ imm) is the XOR of the bytes, with imm folded in once per odd count.
            case XOR -> state ^= ByteScans.xorFold(a, off, len);
            case ADD -> state += ByteScans.addWrapped(a, off, len, imm);
            case CRC32C -> crc.update(a, off, len);
            case FNV64 -> state = Fnv64.update(state, a, off, len);
        }
        bytes += len;
        return this;
    }

    /** Bytes fed so far. */
    public long bytesProcessed() {
        return bytes;
    }

    /** The result over everything fed so far. */
    public KernelResult result() {
        long value = switch (op) {
            case XOR -> (bytes & 1) == 0 ? state : state ^ imm;
            case CRC32C -> crc.getValue();
            default -> state;
        };
        return new KernelResult(op, value, bytes);
    }
}
