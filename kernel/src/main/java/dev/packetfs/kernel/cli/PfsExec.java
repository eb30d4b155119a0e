package dev.packetfs.kernel.cli;

import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramException;
import dev.packetfs.kernel.ProgramJson;
import dev.packetfs.kernel.WindowScan;
import dev.packetfs.kernel.fetch.AddressPolicy;
import dev.packetfs.kernel.fetch.FetchException;
import dev.packetfs.kernel.fetch.FetchLimits;
import dev.packetfs.kernel.fetch.WindowFetcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pfs exec}: runs one program with the Java kernel and prints its result object as one
 * line of JSON. Exit codes: 0 success, 1 the data could not be read, 2 a bad argument.
 */
@Command(name = "pfs exec", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run one PacketFS program with the Java kernel and print the result as JSON.")
public final class PfsExec implements Callable<Integer> {
    static final int FAILED = 1;
    static final int BAD_ARGUMENT = 2;

    @Option(names = "--op", required = true, paramLabel = "OP", description = "counteq, crc32c, fnv64, xor or add")
    String op;

    @Option(names = "--imm", paramLabel = "N", description = "immediate byte 0..255 (default 0)")
    int imm;

    @Option(names = "--offset", paramLabel = "N", description = "first byte of the window (default 0)")
    long offset;

    @Option(names = "--length", paramLabel = "N", description = "bytes in the window (default: to the end)")
    Long length;

    @Option(names = "--fnv-state", paramLabel = "HEX", description = "fnv64 only: 16 hex digits to continue from")
    String fnvState;

    @ArgGroup(multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--file", paramLabel = "PATH", description = "read the object from a file")
        Path file;

        @Option(names = "--url", paramLabel = "URL", description = "read the window with an HTTP Range request")
        String url;

        @Option(names = "--data-base64", paramLabel = "B64", description = "the object inline, standard base64")
        String dataBase64;
    }

    private PrintWriter out;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command; returns its exit code. Separate from {@link #main} for tests. */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        PfsExec command = new PfsExec();
        command.out = out;
        CommandLine cli = new CommandLine(command)
                .setOut(out)
                .setErr(err)
                .setParameterExceptionHandler((e, a) -> {
                    err.println("pfs exec: " + e.getMessage().replaceFirst("^Error: ", "") + " (see pfs exec --help)");
                    return BAD_ARGUMENT;
                })
                .setExecutionExceptionHandler((e, c, p) -> {
                    err.println("pfs exec: " + describe(e));
                    return e instanceof ProgramException || e instanceof FileSystemException ? BAD_ARGUMENT : FAILED;
                });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws IOException, FetchException {
        Op operation = Op.fromWireName(op);
        OptionalLong state = fnvState == null ? OptionalLong.empty() : OptionalLong.of(parseFnvState(fnvState));
        long windowLength = length == null ? Program.TO_END : length;
        KernelResult result;
        if (source.dataBase64 != null) {
            byte[] data = ProgramJson.decodeBase64(source.dataBase64);
            result = Kernel.execute(new Program(operation, imm, null, data, offset, windowLength, state));
        } else if (source.url != null) {
            Program program = new Program(operation, imm, source.url, null, offset, windowLength, state);
            // The operator runs this with their own authority, so no address is off limits here;
            // workers fetching for other people use a refusing policy.
            try (WindowFetcher fetcher = new WindowFetcher(FetchLimits.defaults(), AddressPolicy.allowAll())) {
                result = fetcher.fetchAndExecute(program);
            }
        } else {
            // The program is validated as usual; the file's bytes are then streamed through its
            // window rather than carried inline, so files of any size run in constant memory.
            Program program = new Program(operation, imm, null, new byte[0], offset, windowLength, state);
            result = scanFile(source.file, program);
        }
        out.println(result.toJsonText());
        return 0;
    }

    private static String describe(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "no such file: " + e.getMessage();
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied: " + e.getMessage();
        }
        if (e instanceof FileSystemException f) {
            return "cannot read " + f.getFile() + (f.getReason() == null ? "" : ": " + f.getReason());
        }
        return e.getMessage();
    }

    private static long parseFnvState(String hex) {
        try {
            return dev.packetfs.kernel.Fnv64.parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new ProgramException("fnv_state", "must be 16 hexadecimal digits, got '" + hex + "'");
        }
    }

    private static KernelResult scanFile(Path file, Program program) throws IOException {
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
