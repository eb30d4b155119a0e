package dev.packetfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Console;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * Follows a job to its end: polls {@code GET /jobs/{id}}, shows progress on a terminal, and
 * prints the result. Ctrl-C asks whether to cancel the job ({@code DELETE /jobs/{id}}) or leave
 * it running, and says how to follow it then; off a terminal, where nothing can be asked, it
 * leaves the job running (unless this command serves its data, which then goes away with it).
 */
final class JobFollower {
    static final int INTERRUPTED = 130;

    private final DispatcherClient dispatcher;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Console console;
    private final boolean bar;

    /** @param bar show a progress bar (on a terminal, without {@code --json}) */
    JobFollower(DispatcherClient dispatcher, PrintWriter out, PrintWriter err, Console console, boolean bar) {
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
        String path = "/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8);
        try (ProgressView view = bar ? ProgressView.bar(jobId) : ProgressView.none()) {
            long pauseMs = 20;
            while (true) {
                if (interrupted.get()) {
                    view.close();
                    return interrupted(jobId, servesData);
                }
                DispatcherClient.Reply reply;
                try {
                    reply = dispatcher.get(path);
                } catch (InterruptedException e) {
                    continue; // Ctrl-C: the flag says so
                }
                if (reply.status() == 404) {
                    break; // gone between polls: the result tells
                }
                JsonNode status = SubmitCommand.JSON.readTree(reply.body());
                String state = status.path("state").asText();
                if (state.equals("succeeded") || state.equals("failed")) {
                    view.update(status);
                    break;
                }
                view.update(status);
                if (System.nanoTime() - deadlineNanos > 0) {
                    view.close();
                    err.println("pfs: still " + state + " after the timeout; it keeps running: pfs watch " + jobId);
                    return ResultCommand.PENDING;
                }
                try {
                    Thread.sleep(pauseMs);
                } catch (InterruptedException e) {
                    // Ctrl-C: the flag says so
                }
                pauseMs = Math.min(250, pauseMs * 2);
            }
        } finally {
            Thread.interrupted(); // a late Ctrl-C must not fail the next call
        }
        DispatcherClient.Reply result = ResultCommand.fetch(dispatcher, jobId);
        if (!bar || result.status() != 200) {
            return ResultCommand.print(out, result);
        }
        // On a terminal: read by a person, so no JSON (--json, or a pipe, gives it).
        JsonNode r = SubmitCommand.JSON.readTree(result.body());
        readable(r);
        summary(r);
        return "succeeded".equals(r.path("status").asText()) ? 0 : ResultCommand.FAILED;
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
        DispatcherClient.Reply reply = dispatcher.delete("/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8));
        if (reply.status() == 202) {
            err.println("pfs: job " + jobId + " " + SubmitCommand.JSON.readTree(reply.body()).path("state").asText()
                    + ": what had not started will not; pfs result " + jobId + " tells how it ended");
        } else {
            err.println("pfs: job " + jobId + " was not cancelled: " + DispatcherClient.errorOf(reply.body()));
        }
        return INTERRUPTED;
    }

    /** A cost as the API writes it (a JSON number, perhaps with an exponent) as a plain decimal. */
    static String usd(JsonNode cost) {
        try {
            return new java.math.BigDecimal(cost.asText()).stripTrailingZeros().toPlainString();
        } catch (NumberFormatException e) {
            return cost.asText();
        }
    }

    /** Windows, bytes and cost per substrate, after a fan-out job's result. */
    /** The result in words: what happened, where, how long, what it cost, then the op's value. */
    private void readable(JsonNode r) {
        int attempts = r.path("attempts").asInt();
        String where = r.path("substrate").isTextual() ? " on " + r.path("substrate").asText() : "";
        if ("succeeded".equals(r.path("status").asText())) {
            out.printf(Locale.ROOT, "%s succeeded%s in %d ms (%d attempt%s), cost $%s%n", r.path("job_id").asText(), where,
                    r.path("execution_time_ms").asLong(), attempts, attempts == 1 ? "" : "s", usd(r.path("cost_usd")));
            r.path("result").fields().forEachRemaining(f -> out.printf(Locale.ROOT, "  %-16s %s%n", f.getKey(), f.getValue().asText()));
        } else {
            out.printf(Locale.ROOT, "%s failed%s (%d attempt%s): %s%n", r.path("job_id").asText(), where, attempts,
                    attempts == 1 ? "" : "s", r.path("error").asText());
        }
        out.flush();
    }

    private void summary(JsonNode result) {
        JsonNode s = result.path("summary");
        if (s.isMissingNode()) {
            return;
        }
        out.printf(Locale.ROOT, "%n%-12s %8s %14s %16s%n", "substrate", "windows", "bytes", "cost USD");
        s.path("substrates").fields().forEachRemaining(e -> out.printf(Locale.ROOT, "%-12s %8d %14d %16s%n", e.getKey(),
                e.getValue().path("windows").asLong(), e.getValue().path("bytes").asLong(), usd(e.getValue().path("cost_usd"))));
        out.printf(Locale.ROOT, "%-12s %8d %14d %16s   (%d executions, %d hedges, %d ms)%n", "total", s.path("windows").asLong(),
                s.path("bytes").asLong(), usd(result.path("cost_usd")), s.path("executions").asLong(),
                s.path("hedges").asLong(), result.path("execution_time_ms").asLong());
        JsonNode v = s.path("version");
        if (!result.path("status").asText().equals("succeeded")) {
            out.flush();
            return;
        }
        String pinned = v.has("etag") ? "ETag " + v.get("etag").asText()
                : v.has("last_modified") ? "Last-Modified " + v.get("last_modified").asText() : "its size alone";
        out.printf(Locale.ROOT, "one version of the object, %s: read from %s%s%n", s.path("consistency").asText("unverified"),
                pinned, s.path("restarts").asInt() > 0 ? " (planned again " + s.path("restarts").asInt() + " times after it changed)" : "");
        out.flush();
    }
}
