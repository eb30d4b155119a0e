package dev.packetfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code pfs result ID}: prints a job's result JSON. Exit code 0 when it succeeded, 3 when it
 * failed, 4 while it is not finished, 5 when the dispatcher knows no such job.
 */
@Command(name = "pfs result", mixinStandardHelpOptions = true,
        description = "Print a job's result; the exit code says succeeded (0), failed (3), pending (4), unknown (5).")
final class ResultCommand implements Callable<Integer> {
    static final int FAILED = 3;
    static final int PENDING = 4;
    static final int UNKNOWN = 5;

    @Parameters(index = "0", paramLabel = "JOB_ID")
    String jobId;

    @Mixin
    DispatcherClient dispatcher;

    private final PrintWriter out;

    ResultCommand(PrintWriter out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        return print(out, fetch(dispatcher, jobId));
    }

    static DispatcherClient.Reply fetch(DispatcherClient dispatcher, String jobId) throws Exception {
        DispatcherClient.Reply reply = dispatcher.get("/results/" + java.net.URLEncoder.encode(jobId,
                java.nio.charset.StandardCharsets.UTF_8));
        if (reply.status() == 400) {
            throw new Pfs.CliException(Pfs.BAD_ARGUMENT, DispatcherClient.errorOf(reply.body()));
        }
        return reply;
    }

    /** Prints the reply and maps it to this command's exit code. */
    static int print(PrintWriter out, DispatcherClient.Reply reply) throws Exception {
        out.println(reply.body().strip());
        return switch (reply.status()) {
            case 200 -> {
                JsonNode result = SubmitCommand.JSON.readTree(reply.body());
                yield "succeeded".equals(result.path("status").asText()) ? 0 : FAILED;
            }
            case 202 -> PENDING;
            case 404 -> UNKNOWN;
            default -> throw new Pfs.CliException(Pfs.UNREACHABLE, "unexpected answer " + reply.status());
        };
    }
}
