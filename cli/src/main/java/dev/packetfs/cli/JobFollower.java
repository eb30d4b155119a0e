package dev.packetfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.packetfs.client.JobResult;
import dev.packetfs.client.JobStatus;
import dev.packetfs.client.NotFoundException;
import dev.packetfs.client.PacketfsClient;
import dev.packetfs.client.PacketfsException;
import java.io.Console;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;

/**
 * Follows a job to its end with the client's {@link PacketfsClient#follow} (which polls
 * {@code GET /jobs/{id}}), shows progress on a terminal, and prints the result. Ctrl-C asks
 * whether to cancel the job ({@code DELETE /jobs/{id}}) or leave it running, and says how to
 * follow it then; off a terminal, where nothing can be asked, it leaves the job running (unless
 * this command serves its data, which then goes away with it).
 */
final class JobFollower {
    static final int INTERRUPTED = 130;

    private final PacketfsClient dispatcher;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Console console;
    private final boolean bar;

    /** @param bar show a progress bar (on a terminal, without {@code --json}) */
    JobFollower(PacketfsClient dispatcher, PrintWriter out, PrintWriter err, Console console, boolean bar) {
        this.dispatcher = dispatcher;
        this.out = out;
        this.err = err;
        this.console = console;
        this.bar = bar;
    }

    /**
     * @param deadlineNanos when to stop waiting (the job keeps running); Long.MAX_VALUE for never
     * @param servesData true when this command serves the job's data (pfs run --file): leaving
     *     the job running would leave its windows nothing to read
     * @return the exit code
     */
    int follow(String jobId, long deadlineNanos, boolean servesData) throws Exception {
        AtomicBoolean interrupted = new AtomicBoolean();
        Thread main = Thread.currentThread();
        Signal.handle(new Signal("INT"), s -> {
            interrupted.set(true);
            main.interrupt();
        });
        AtomicReference<JobStatus> last = new AtomicReference<>();
        JobResult result;
        try (ProgressView view = bar ? ProgressView.bar(jobId) : ProgressView.none()) {
            try {
                result = deadlineNanos == Long.MAX_VALUE
                        ? dispatcher.follow(jobId, s -> show(view, last, s))
                        : dispatcher.follow(
                                jobId,
                                Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())),
                                s -> show(view, last, s));
            } catch (InterruptedException e) {
                if (!interrupted.get()) {
                    throw e;
                }
                view.close();
                return interrupted(jobId, servesData);
            } catch (TimeoutException e) {
                view.close();
                String state = last.get() == null ? "queued" : last.get().state();
                err.println("pfs: still " + state + " after the timeout; it keeps running: pfs watch " + jobId);
                return ResultCommand.PENDING;
            } catch (NotFoundException e) {
                view.close();
                return ResultCommand.unknown(out, e);
            }
        } finally {
            Thread.interrupted(); // a late Ctrl-C must not fail the next call
        }
        if (!bar) {
            return ResultCommand.print(out, result);
        }
        // On a terminal: read by a person, so no JSON (--json, or a pipe, gives it).
        readable(result.json());
        summary(result.json());
        return result.succeeded() ? 0 : ResultCommand.FAILED;
    }

    private static void show(ProgressView view, AtomicReference<JobStatus> last, JobStatus status) {
        last.set(status);
        view.update(status.json());
    }

    private int interrupted(String jobId, boolean servesData) throws Exception {
        boolean cancel;
        if (console != null) {
            String question = servesData
                    ? "\nThis command serves the job's file; leaving stops that and its remaining windows fail. Cancel job "
                            + jobId + "? [Y/n] "
                    : "\nCancel job " + jobId + "? [y/N] ";
            err.print(question);
            err.flush();
            String answer = console.readLine();
            answer = answer == null ? "" : answer.strip().toLowerCase(Locale.ROOT);
            cancel = servesData ? !answer.startsWith("n") : answer.startsWith("y");
        } else {
            cancel = servesData;
        }
        if (!cancel) {
            err.println("pfs: job " + jobId + " left running; follow it with: pfs watch " + jobId
                    + " (or get its result with: pfs result " + jobId + ")");
            return INTERRUPTED;
        }
        try {
            err.println("pfs: job " + jobId + " " + dispatcher.cancel(jobId).state()
                    + ": what had not started will not; pfs result " + jobId + " tells how it ended");
        } catch (PacketfsException e) {
            if (DispatcherOptions.general(e)) {
                throw e;
            }
            err.println("pfs: job " + jobId + " was not cancelled: " + e.getMessage());
        }
        return INTERRUPTED;
    }

    /** A cost as the API writes it (a JSON number, perhaps with an exponent) as a plain decimal. */
    static String usd(JsonNode cost) {
        try {
            return new BigDecimal(cost.asText()).stripTrailingZeros().toPlainString();
        } catch (NumberFormatException e) {
            return cost.asText();
        }
    }

    /** The result in words: what happened, where, how long, what it cost, then the op's value. */
    private void readable(JsonNode r) {
        int attempts = r.path("attempts").asInt();
        String where =
                r.path("substrate").isTextual() ? " on " + r.path("substrate").asText() : "";
        if ("succeeded".equals(r.path("status").asText())) {
            out.printf(
                    Locale.ROOT,
                    "%s succeeded%s in %d ms (%d attempt%s), cost $%s%n",
                    r.path("job_id").asText(),
                    where,
                    r.path("execution_time_ms").asLong(),
                    attempts,
                    attempts == 1 ? "" : "s",
                    usd(r.path("cost_usd")));
            r.path("result")
                    .fields()
                    .forEachRemaining(f -> out.printf(
                            Locale.ROOT,
                            "  %-16s %s%n",
                            f.getKey(),
                            f.getValue().asText()));
        } else {
            out.printf(
                    Locale.ROOT,
                    "%s failed%s (%d attempt%s): %s%n",
                    r.path("job_id").asText(),
                    where,
                    attempts,
                    attempts == 1 ? "" : "s",
                    r.path("error").asText());
        }
        out.flush();
    }

    /** Windows, bytes and cost per substrate, after a fan-out job's result. */
    private void summary(JsonNode result) {
        JsonNode s = result.path("summary");
        if (s.isMissingNode()) {
            return;
        }
        out.printf(Locale.ROOT, "%n%-12s %8s %14s %16s%n", "substrate", "windows", "bytes", "cost USD");
        s.path("substrates")
                .fields()
                .forEachRemaining(e -> out.printf(
                        Locale.ROOT,
                        "%-12s %8d %14d %16s%n",
                        e.getKey(),
                        e.getValue().path("windows").asLong(),
                        e.getValue().path("bytes").asLong(),
                        usd(e.getValue().path("cost_usd"))));
        out.printf(
                Locale.ROOT,
                "%-12s %8d %14d %16s   (%d executions, %d hedges, %d ms)%n",
                "total",
                s.path("windows").asLong(),
                s.path("bytes").asLong(),
                usd(result.path("cost_usd")),
                s.path("executions").asLong(),
                s.path("hedges").asLong(),
                result.path("execution_time_ms").asLong());
        JsonNode v = s.path("version");
        if (!result.path("status").asText().equals("succeeded")) {
            out.flush();
            return;
        }
        String pinned = v.has("etag")
                ? "ETag " + v.get("etag").asText()
                : v.has("last_modified")
                        ? "Last-Modified " + v.get("last_modified").asText()
                        : "its size alone";
        out.printf(
                Locale.ROOT,
                "one version of the object, %s: read from %s%s%n",
                s.path("consistency").asText("unverified"),
                pinned,
                s.path("restarts").asInt() > 0
                        ? " (planned again " + s.path("restarts").asInt() + " times after it changed)"
                        : "");
        out.flush();
    }
}
