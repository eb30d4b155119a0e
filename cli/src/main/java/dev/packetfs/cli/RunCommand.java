package dev.packetfs.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pfs run}: submit, follow, print the result; exit codes as {@code pfs result}, and 130
 * after Ctrl-C. With {@code --window} the job fans out over its object in windows of that size
 * across the dispatcher's substrates; on a terminal a progress bar shows windows, MB/s, cost and
 * an ETA. {@code --file} with {@code --window} serves the file from this command on 127.0.0.1
 * for a dispatcher on this machine.
 */
@Command(
        name = "pfs run",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Queue a job on a running dispatcher, follow it, print its result.")
final class RunCommand extends SubmitCommand {

    @Option(names = "--json", description = "no progress bar, only the result as JSON (also the case off a terminal)")
    boolean json;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            description = "give up waiting after this long; the job keeps running (default 60, none with --window)")
    Long timeoutSeconds;

    private final PrintWriter err;
    private final Console console;

    RunCommand(PrintWriter out, PrintWriter err, Console console) {
        super(out);
        this.err = err;
        this.console = console;
    }

    @Override
    public Integer call() throws Exception {
        FileOrigin served = null;
        try {
            if (window != null && program.source.file != null) {
                if (!dispatcher.onLoopback()) {
                    throw new Pfs.CliException(
                            Pfs.BAD_ARGUMENT,
                            "--file with --window serves the file from this machine on"
                                    + " 127.0.0.1, which the dispatcher at " + dispatcher.server
                                    + " cannot reach: serve it over"
                                    + " HTTP and use --url");
                }
                served = new FileOrigin(program.source.file);
                fileUrl = served.url();
            }
            String jobId = submit().jobId();
            long limit = timeoutSeconds != null ? timeoutSeconds : window != null ? 0 : 60;
            long deadline = limit <= 0
                    ? Long.MAX_VALUE
                    : System.nanoTime() + Duration.ofSeconds(limit).toNanos();
            boolean bar = !json && console != null;
            return new JobFollower(dispatcher.client(), out, err, console, bar).follow(jobId, deadline, served != null);
        } finally {
            if (served != null) {
                served.close();
            }
        }
    }
}
