package dev.packetfs.kernel.bench;

import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Kernel throughput per op and window size, through the public entry point a worker calls.
 * {@code scripts/bench kernel} runs it and converts operations/s into GB/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class KernelBenchmark {

    @Param({"counteq", "crc32c", "fnv64", "xor", "add"})
    public String op;

    @Param({"4096", "1048576", "67108864"})
    public int size;

    private byte[] window;
    private Program program;

    @Setup
    public void setup() {
        window = new byte[size];
        new SplittableRandom(42).nextBytes(window);
        Op operation = Op.fromWireName(op);
        program = Program.over(operation, operation == Op.CRC32C || operation == Op.FNV64 ? 0 : 0x5A, window);
    }

    @Benchmark
    public KernelResult execute() {
        return Kernel.executeWindow(program, window, 0, window.length);
    }
}
