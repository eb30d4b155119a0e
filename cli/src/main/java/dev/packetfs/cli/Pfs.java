package dev.packetfs.cli;

import dev.packetfs.kernel.ProgramException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * The {@code pfs} commands that run as a plain JVM (no framework start): {@code exec},
 * {@code submit}, {@code result}, {@code run}, {@code watch}, {@code dashboard}. {@code scripts/pfs}
 * adds {@code serve}. Those that talk to a dispatcher do it through the client library
 * ({@code dev.packetfs.client}), signing with SigV4 where the dispatcher is an IAM function URL.
 *
 * <p>Exit codes: 0 done (for {@code result}/{@code run}/{@code watch}: the job succeeded); 1
 * something could not be reached or read; 2 a bad argument or a refused request; 3 the job
 * failed; 4 the job is not finished yet; 5 no such job; 130 interrupted (Ctrl-C).
 */
public final class Pfs {
    static final int UNREACHABLE = 1;
    static final int BAD_ARGUMENT = 2;

    private Pfs() {}

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line; returns its exit code. */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        if (args.length == 0) {
            err.println("pfs: a command is required: exec, submit, result, run, watch, dashboard");
            return BAD_ARGUMENT;
        }
        String name = args[0];
        // Only the command being run is built: `pfs exec` does not pay for the others' models.
        Callable<Integer> command = switch (name) {
            case "exec" -> new ExecCommand(out);
            case "submit" -> new SubmitCommand(out);
            case "result" -> new ResultCommand(out);
            case "run" -> new RunCommand(out, err, System.console());
            case "watch" -> new WatchCommand(out, err, System.console());
            case "dashboard" -> new DashboardCommand(out, err);
            default -> null;
        };
        if (command == null) {
            err.println("pfs: unknown command '" + name + "'; expected exec, submit, result, run, watch or dashboard");
            return BAD_ARGUMENT;
        }
        String prefix = "pfs " + name + ": ";
        CommandLine cli = new CommandLine(command)
                .setOut(out)
                .setErr(err)
                .setParameterExceptionHandler((e, a) -> {
                    err.println(
                            prefix + e.getMessage().replaceFirst("^Error: ", "") + " (see pfs " + name + " --help)");
                    return BAD_ARGUMENT;
                })
                .setExecutionExceptionHandler((thrown, c, p) -> {
                    Exception e = DispatcherOptions.explain(thrown);
                    err.println(prefix + describe(e));
                    return exitCode(e);
                });
        return cli.execute(Arrays.copyOfRange(args, 1, args.length));
    }

    private static int exitCode(Exception e) {
        if (e instanceof CliException c) {
            return c.exitCode();
        }
        return e instanceof ProgramException || e instanceof FileSystemException ? BAD_ARGUMENT : UNREACHABLE;
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

    /** A failure with its own exit code and a message for the user. */
    static final class CliException extends Exception {
        private final int exitCode;

        CliException(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }
}
