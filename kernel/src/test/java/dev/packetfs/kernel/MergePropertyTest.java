package dev.packetfs.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property: a random object cut into random adjacent windows, each run on its own and merged left
 * to right, gives exactly the single-pass result, for every op. The seed is the test's name, so
 * a failure reproduces.
 */
class MergePropertyTest {

    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void windowsMergeToTheSinglePassResult(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int size = random.nextInt(4) == 0 ? random.nextInt(200_000) : random.nextInt(300);
        byte[] object = new byte[size];
        random.nextBytes(object);
        int[] cuts = cuts(random, size);
        for (Op op : Op.values()) {
            int imm = random.nextInt(256);
            Program whole = Program.over(op, imm, object);
            KernelResult merged = null;
            for (int k = 0; k + 1 < cuts.length; k++) {
                Program window = whole.withWindow(cuts[k], cuts[k + 1] - cuts[k]);
                if (op == Op.FNV64 && merged != null) {
                    window = window.withFnvState(merged.value());
                }
                KernelResult part = Kernel.execute(window);
                merged = merged == null ? part : Kernel.merge(op, merged, part);
            }
            assertEquals(Kernel.execute(whole), merged, op + " over cuts " + Arrays.toString(cuts));
        }
    }

    /** 0 = c0 ≤ c1 ≤ … ≤ cn = size, with empty windows allowed. */
    private static int[] cuts(SplittableRandom random, int size) {
        int pieces = 1 + random.nextInt(8);
        int[] cuts = new int[pieces + 1];
        for (int k = 1; k < pieces; k++) {
            cuts[k] = random.nextInt(size + 1);
        }
        cuts[pieces] = size;
        Arrays.sort(cuts);
        return cuts;
    }
}
