package dev.packetfs.protocol.bench;

import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.protocol.fetch.FetchException;
import dev.packetfs.protocol.fetch.FetchLimits;
import dev.packetfs.protocol.fetch.PublicAddressPolicy;
import dev.packetfs.protocol.fetch.WindowFetcher;
import dev.packetfs.testing.RangeOrigin;
import java.util.OptionalLong;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What reading a window over HTTP costs next to the kernel alone: one crc32c over the same window,
 * in process ({@code kernel}) and through the shared fetch-and-execute path from a loopback Range
 * origin ({@code fetchAndExecute}: connection pool, Range request, 206, streaming into the scan).
 * {@code scripts/bench fetch} runs it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Dsun.net.httpserver.nodelay=true"})
public class FetchBenchmark {

    @Param({"65536", "1048576"})
    public int window;

    private RangeOrigin origin;
    private WindowFetcher fetcher;
    private byte[] object;
    private Program inline;
    private Program fetched;

    @Setup
    public void setUp() throws Exception {
        object = new byte[16 << 20];
        new SplittableRandom(7).nextBytes(object);
        origin = new RangeOrigin();
        origin.put("obj", object);
        fetcher = new WindowFetcher(FetchLimits.defaults(), PublicAddressPolicy.allowing("127.0.0.1"));
        long offset = 3 << 20;
        inline = new Program(Op.CRC32C, 0, null, object, offset, window, OptionalLong.empty());
        fetched = new Program(Op.CRC32C, 0, origin.url("/ranged/obj"), null, offset, window, OptionalLong.empty());
    }

    @TearDown
    public void tearDown() throws Exception {
        fetcher.close();
        origin.close();
    }

    @Benchmark
    public KernelResult kernel() {
        return Kernel.execute(inline);
    }

    @Benchmark
    public KernelResult fetchAndExecute() throws FetchException {
        return fetcher.fetchAndExecute(fetched);
    }
}
