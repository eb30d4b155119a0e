package dev.packetfs.cli;

import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pfs run}: submit, wait for the result, print it; exit codes as {@code pfs result}. */
@Command(name = "pfs run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Queue a job on a running dispatcher, wait for it, print its result.")
final class RunCommand extends SubmitCommand {

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "give up waiting after this long (default ${DEFAULT-VALUE}); the job keeps running")
    long timeoutSeconds;

    RunCommand(PrintWriter out) {
        super(out);
    }

    @Override
    public Integer call() throws Exception {
        String jobId = submit().get("job_id").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        long pauseMs = 5;
        while (true) {
            DispatcherClient.Reply reply = ResultCommand.fetch(dispatcher, jobId);
            if (reply.status() != 202 || System.nanoTime() > deadline) {
                return ResultCommand.print(out, reply);
            }
            Thread.sleep(pauseMs);
            pauseMs = Math.min(250, pauseMs * 2);
        }
    }
}
