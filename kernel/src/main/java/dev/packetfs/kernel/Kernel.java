package dev.packetfs.kernel;

/**
 * The PacketFS kernel: runs a program over the bytes of an object, and merges the results of
 * adjacent windows into the result a single pass gives. Every runtime (the JavaScript kernel in
 * workerd and browsers included) must agree with this to the bit; {@code kernel/spec/vectors.json}
 * is the shared contract.
 */
public final class Kernel {
    private Kernel() {}

    /** Runs a program that carries its bytes inline ({@code data}). */
    public static KernelResult execute(Program program) {
        if (program.data() == null) {
            throw new ProgramException("data", "this program reads data_url; fetch the object first");
        }
        return execute(program, program.data());
    }

    /** Applies the program's window to the whole {@code object}, then runs it. */
    public static KernelResult execute(Program program, byte[] object) {
        int start = (int) program.windowStart(object.length);
        int length = (int) program.windowLength(object.length);
        return scan(program).update(object, start, length).result();
    }

    /**
     * Runs the program over bytes that already are its window, e.g. a fetched HTTP range: the
     * program's offset and length are not applied a second time.
     */
    public static KernelResult executeWindow(Program program, byte[] window, int off, int len) {
        return scan(program).update(window, off, len).result();
    }

    /** A pass over the program's window, to be fed piece by piece. */
    public static WindowScan scan(Program program) {
        return new WindowScan(program.op(), program.imm(), program.fnvState().orElse(Fnv64.OFFSET_BASIS));
    }

    /**
     * The result over window {@code left} followed by the adjacent window {@code right}.
     *
     * <p>counteq and add add, xor xors, crc32c combines with the right window's length. fnv64
     * cannot combine independent hashes: the right window must have been run with
     * {@code fnv_state} set to the left window's hash, and its hash is then the whole one.
     */
    public static KernelResult merge(Op op, KernelResult left, KernelResult right) {
        if (left.op() != op || right.op() != op) {
            throw new IllegalArgumentException("cannot merge " + left.op() + " and " + right.op() + " as " + op);
        }
        long bytes = left.bytesProcessed() + right.bytesProcessed();
        long value = switch (op) {
            case COUNTEQ, ADD -> left.value() + right.value();
            case XOR -> left.value() ^ right.value();
            case CRC32C -> Crc32cCombine.combine(left.value(), right.value(), right.bytesProcessed());
            case FNV64 -> right.value();
        };
        return new KernelResult(op, value, bytes);
    }
}
