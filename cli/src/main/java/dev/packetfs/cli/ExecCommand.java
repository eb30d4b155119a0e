package dev.packetfs.cli;

import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramJson;
import dev.packetfs.kernel.WindowScan;
import dev.packetfs.protocol.fetch.AddressPolicy;
import dev.packetfs.protocol.fetch.FetchException;
import dev.packetfs.protocol.fetch.FetchLimits;
import dev.packetfs.protocol.fetch.WindowFetcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code pfs exec}: runs one program with the Java kernel and prints its result object as one
 * line of JSON. Exit codes: 0 success, 1 the data could not be read, 2 a bad argument.
 */
@Command(
        name = "pfs exec",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Run one PacketFS program with the Java kernel and print the result as JSON.")
final class ExecCommand implements Callable<Integer> {

    @Mixin
    ProgramOptions program;

    private final PrintWriter out;

    ExecCommand(PrintWriter out) {
        this.out = out;
    }

    @Override
    public Integer call() throws IOException, FetchException {
        ProgramOptions.Source source = program.source;
        KernelResult result;
        if (source.dataBase64 != null) {
            result = Kernel.execute(program.program(ProgramJson.decodeBase64(source.dataBase64)));
        } else if (source.url != null) {
            // The operator runs this with their own authority, so no address is off limits here;
            // workers fetching for other people use a refusing policy.
            try (WindowFetcher fetcher = new WindowFetcher(FetchLimits.defaults(), AddressPolicy.allowAll())) {
                result = fetcher.fetchAndExecute(program.program(null));
            }
        } else {
            // The program is validated as usual; the file's bytes are then streamed through its
            // window rather than carried inline, so files of any size run in constant memory.
            result = scanFile(source.file, program.program(new byte[0]));
        }
        out.println(result.toJsonText());
        return 0;
    }

    static KernelResult scanFile(Path file, Program program) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long position = program.windowStart(size);
            long remaining = program.windowLength(size);
            WindowScan scan = Kernel.scan(program);
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            while (remaining > 0) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), remaining));
                int n = channel.read(buffer, position);
                if (n < 0) {
                    break; // the file shrank while being read
                }
                scan.update(buffer.array(), 0, n);
                position += n;
                remaining -= n;
            }
            return scan.result();
        }
    }
}
