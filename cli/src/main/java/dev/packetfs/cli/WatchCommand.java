package dev.packetfs.cli;

import dev.packetfs.client.NotFoundException;
import java.io.Console;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pfs watch ID}: follows a job already submitted, as {@code pfs run} does, and prints its result. */
@Command(
        name = "pfs watch",
        mixinStandardHelpOptions = true,
        description = "Follow a job (a progress bar on a terminal) and print its result.")
final class WatchCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "JOB_ID")
    String jobId;

    @Option(names = "--json", description = "no progress bar, only the result as JSON")
    boolean json;

    @Mixin
    DispatcherOptions dispatcher;

    private final PrintWriter out;
    private final PrintWriter err;
    private final Console console;

    WatchCommand(PrintWriter out, PrintWriter err, Console console) {
        this.out = out;
        this.err = err;
        this.console = console;
    }

    @Override
    public Integer call() throws Exception {
        try {
            ResultCommand.fetch(dispatcher.client(), jobId); // refuses a bad id before following anything
        } catch (NotFoundException unknown) {
            // following it says so
        }
        return new JobFollower(dispatcher.client(), out, err, console, !json && console != null)
                .follow(jobId, Long.MAX_VALUE, false);
    }
}
