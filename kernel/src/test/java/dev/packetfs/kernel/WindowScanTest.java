package dev.packetfs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Feeding a window in arbitrary pieces gives the same result as feeding it at once. */
class WindowScanTest {

    @Test
    void piecewiseFeedingEqualsOnePass() {
        SplittableRandom random = new SplittableRandom(3);
        byte[] object = new byte[100_003];
        random.nextBytes(object);
        for (Op op : Op.values()) {
            Program program = Program.over(op, 0x5A, object);
            WindowScan scan = Kernel.scan(program);
            for (int at = 0; at < object.length; ) {
                int piece = Math.min(object.length - at, random.nextInt(9000));
                scan.update(object, at, piece);
                at += piece;
            }
            assertEquals(Kernel.execute(program), scan.result(), op.wireName());
        }
    }

    @Test
    void refusesAPieceOutsideTheArray() {
        WindowScan scan = Kernel.scan(Program.over(Op.ADD, 0, new byte[1]));
        assertThrows(IndexOutOfBoundsException.class, () -> scan.update(new byte[4], 2, 3));
    }

    @Test
    void mergeRefusesMixedOps() {
        KernelResult count = new KernelResult(Op.COUNTEQ, 1, 1);
        KernelResult sum = new KernelResult(Op.ADD, 1, 1);
        assertThrows(IllegalArgumentException.class, () -> Kernel.merge(Op.ADD, count, sum));
    }
}
