package dev.packetfs.cli;

import dev.packetfs.client.BadRequestException;
import dev.packetfs.client.JobResult;
import dev.packetfs.client.NotFoundException;
import dev.packetfs.client.PacketfsClient;
import dev.packetfs.client.PacketfsException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code pfs result ID}: prints a job's result JSON. Exit code 0 when it succeeded, 3 when it
 * failed, 4 while it is not finished, 5 when the dispatcher knows no such job.
 */
@Command(
        name = "pfs result",
        mixinStandardHelpOptions = true,
        description = "Print a job's result; the exit code says succeeded (0), failed (3), pending (4), unknown (5).")
final class ResultCommand implements Callable<Integer> {
    static final int FAILED = 3;
    static final int PENDING = 4;
    static final int UNKNOWN = 5;

    @Parameters(index = "0", paramLabel = "JOB_ID")
    String jobId;

    @Mixin
    DispatcherOptions dispatcher;

    private final PrintWriter out;

    ResultCommand(PrintWriter out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        JobResult result;
        try {
            result = fetch(dispatcher.client(), jobId);
        } catch (NotFoundException e) {
            return unknown(out, e);
        } catch (PacketfsException e) {
            if (DispatcherOptions.general(e)) {
                throw e;
            }
            out.println(e.body().strip());
            throw new Pfs.CliException(Pfs.UNREACHABLE, "unexpected answer " + e.status());
        }
        return print(out, result);
    }

    /** {@code GET /results/{id}}; a bad id is the user's mistake. */
    static JobResult fetch(PacketfsClient client, String jobId) throws Exception {
        try {
            return client.result(jobId);
        } catch (BadRequestException e) {
            throw new Pfs.CliException(Pfs.BAD_ARGUMENT, e.getMessage());
        }
    }

    /** Prints the answer as the dispatcher wrote it, and maps it to this command's exit code. */
    static int print(PrintWriter out, JobResult result) {
        out.println(result.text().strip());
        return !result.finished() ? PENDING : result.succeeded() ? 0 : FAILED;
    }

    /** Prints the dispatcher's 404 answer: no such job. */
    static int unknown(PrintWriter out, NotFoundException e) {
        out.println(e.body().strip());
        return UNKNOWN;
    }
}
