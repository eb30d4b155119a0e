package dev.packetfs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.client.PacketfsException;
import dev.packetfs.client.Submission;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code pfs submit}: queues one job on a running dispatcher and prints {@code {"job_id", "queued"}}. */
@Command(
        name = "pfs submit",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Queue a job on a running dispatcher; print its job_id.")
class SubmitCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Bigger file windows are refused here rather than by the dispatcher after the upload. */
    static final int MAX_FILE_WINDOW = 1 << 20;

    @Mixin
    ProgramOptions program;

    @Mixin
    JobOptions job;

    @Mixin
    DispatcherOptions dispatcher;

    @picocli.CommandLine.Option(
            names = "--window",
            paramLabel = "SIZE",
            converter = ByteSize.class,
            description =
                    "fan out: cut the object into windows of SIZE (1048576, 1MiB, 64KiB, 3MiB+7) run across substrates")
    Long window;

    final PrintWriter out;
    /** Where this command serves --file for a fan-out job; null otherwise. */
    String fileUrl;

    SubmitCommand(PrintWriter out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        Submission s = submit();
        out.println(JSON.createObjectNode().put("job_id", s.jobId()).put("queued", s.queued()));
        return 0;
    }

    /** Submits; returns the dispatcher's answer. */
    Submission submit() throws Exception {
        ObjectNode body = job.toJson(jobProgram());
        if (window != null) {
            body.put("window_bytes", window);
        }
        try {
            return dispatcher.client().submit(body);
        } catch (PacketfsException e) {
            if (DispatcherOptions.general(e)) {
                throw e;
            }
            throw new Pfs.CliException(Pfs.BAD_ARGUMENT, "the dispatcher refused the job: " + e.getMessage());
        }
    }

    /**
     * The program to send. A {@code --file} object travels inline, so only its window is read and
     * sent (offset 0 of the data is the window's first byte), which gives the same result.
     */
    private Program jobProgram() throws IOException, Pfs.CliException {
        ProgramOptions.Source source = program.source;
        if (source.dataBase64 != null) {
            return program.program(ProgramJson.decodeBase64(source.dataBase64));
        }
        if (source.url != null) {
            return program.program(null);
        }
        if (fileUrl != null) {
            return new Program(
                    program.operation(),
                    program.imm,
                    fileUrl,
                    null,
                    program.offset,
                    program.windowLength(),
                    program.state());
        }
        if (window != null) {
            throw new Pfs.CliException(
                    Pfs.BAD_ARGUMENT,
                    "--file with --window needs pfs run, which serves the file while"
                            + " the job runs (or serve it over HTTP and use --url)");
        }
        Program whole = program.program(new byte[0]);
        try (FileChannel channel = FileChannel.open(source.file, StandardOpenOption.READ)) {
            long size = channel.size();
            long length = whole.windowLength(size);
            if (length > MAX_FILE_WINDOW) {
                throw new Pfs.CliException(
                        Pfs.BAD_ARGUMENT,
                        "the window of " + source.file + " is " + length + " bytes; jobs carry at most "
                                + MAX_FILE_WINDOW + " inline (serve the file over HTTP and use --url)");
            }
            ByteBuffer window = ByteBuffer.allocate((int) length);
            long position = whole.windowStart(size);
            while (window.hasRemaining() && channel.read(window, position + window.position()) > 0) {
                // read until the window is full
            }
            return new Program(whole.op(), whole.imm(), null, window.array(), 0, Program.TO_END, whole.fnvState());
        }
    }
}
