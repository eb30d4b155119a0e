package dev.packetfs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process a test starts: its standard output and error in one log file, waits for it to be
 * ready that give up with that log as soon as it exits or its time is up, and a kill that takes
 * its descendants with it. Every launcher here (redis-server, the workers, workerd, the
 * dispatcher, {@code pfs}, Chromium) is one of these.
 */
public final class ChildProcess implements AutoCloseable {
    /** What Quarkus logs once its HTTP server has bound. */
    private static final Pattern LISTENING = Pattern.compile("Listening on: https?://[^\\s:]+:(\\d+)");

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();

    private final String name;
    private final Process process;
    private final Path log;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** {@code command}, to be configured and then started or run; {@code name} is how messages call it. */
    public static Builder command(String name, List<String> command) {
        return new Builder(name, command);
    }

    public static Builder command(String name, String... command) {
        return command(name, List.of(command));
    }

    /** The java launcher of the JVM running the test, for starting a packaged jar. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A process that ran to its end: its exit code and what it printed on each stream. */
    public record Finished(int code, String out, String err) {}

    /** Thrown when the process exits while a test waits for it to be ready; carries its log. */
    public static final class Exited extends IllegalStateException {
        private final String log;

        Exited(String name, String log) {
            super(name + " exited:\n" + log);
            this.log = log;
        }

        public String log() {
            return log;
        }
    }

    public static final class Builder {
        private final String name;
        private final List<String> command;
        private final Map<String, String> env = new LinkedHashMap<>();
        private Predicate<String> inheritedKeysToDrop = key -> false;
        private Path directory;
        private Path log;

        private Builder(String name, List<String> command) {
            this.name = name;
            this.command = new ArrayList<>(command);
        }

        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        public Builder env(Map<String, String> values) {
            env.putAll(values);
            return this;
        }

        /** Leaves out of the inherited environment every variable whose name matches. */
        public Builder dropInherited(Predicate<String> key) {
            inheritedKeysToDrop = inheritedKeysToDrop.or(key);
            return this;
        }

        /** Where the log goes; a new temporary file unless given. */
        public Builder log(Path log) {
            this.log = log;
            return this;
        }

        /**
         * Starts it, both output streams appended to the log. Its standard input stays a pipe this
         * JVM holds and never writes: a child that watches it (serve-workerd.mjs does) ends when
         * the test's JVM does, however that ends.
         */
        public ChildProcess start() throws IOException {
            Path file = log != null ? log : tempFile(".log");
            ProcessBuilder builder =
                    builder().redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(file.toFile()));
            return new ChildProcess(name, builder.start(), file);
        }

        /**
         * Runs it to its end with standard input closed, each output stream to a file of its own
         * so that neither can fill and stall it; killed if it outlives {@code timeout}.
         */
        public Finished run(Duration timeout) throws IOException, InterruptedException {
            Path out = tempFile(".out");
            Path err = tempFile(".err");
            try {
                Process process = builder()
                        .redirectInput(ProcessBuilder.Redirect.from(
                                Path.of("/dev/null").toFile()))
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    new ChildProcess(name, process, out).kill();
                    throw new IllegalStateException(name + " did not finish in " + timeout + ":\n"
                            + Files.readString(out) + Files.readString(err));
                }
                return new Finished(
                        process.exitValue(),
                        Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        }

        private Path tempFile(String suffix) throws IOException {
            return Files.createTempFile("packetfs-" + name.replaceAll("\\W", "-"), suffix);
        }

        private ProcessBuilder builder() {
            ProcessBuilder builder = new ProcessBuilder(command);
            if (directory != null) {
                builder.directory(directory.toFile());
            }
            builder.environment().keySet().removeIf(inheritedKeysToDrop);
            builder.environment().putAll(env);
            return builder;
        }
    }

    /** Waits until the log matches {@code pattern} and returns the match. */
    public Matcher awaitLog(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String text = log();
            Matcher m = pattern.matcher(text);
            if (m.find()) {
                return m;
            }
            if (!process.isAlive()) {
                throw new Exited(name, log());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " logged no " + pattern + " in " + timeout + ":\n" + text);
            }
            process.waitFor(50, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The port a Quarkus process started with port 0 bound, read from its log. The kernel picks
     * it as the server binds, so no other process can take it between a test choosing it and the
     * server binding it, which a port picked free and then released allows.
     */
    public int awaitListeningPort(Duration timeout) throws InterruptedException {
        return Integer.parseInt(awaitLog(LISTENING, timeout).group(1));
    }

    /** Something a test can ask a starting process; an exception means "not yet". */
    @FunctionalInterface
    public interface Probe {
        boolean ready() throws Exception;
    }

    /** Asks {@code probe} every 50 ms until it says ready, the process exits, or the time is up. */
    public void awaitReady(String what, Duration timeout, Probe probe) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new Exited(name, log());
            }
            try {
                if (probe.ready()) {
                    return;
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception notYet) {
                // still starting
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " was not " + what + " in " + timeout + ":\n" + log());
            }
            process.waitFor(50, TimeUnit.MILLISECONDS);
        }
    }

    /** Waits until {@code url} answers 200. */
    public void awaitHealthy(URI url, Duration timeout) throws InterruptedException {
        awaitReady(
                "healthy",
                timeout,
                () -> HTTP.send(
                                        HttpRequest.newBuilder(url)
                                                .timeout(Duration.ofSeconds(5))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200);
    }

    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public Path logFile() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Waits up to {@code timeout} for it to end by itself; its exit code, or empty if it still runs. */
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                ? OptionalInt.of(process.exitValue())
                : OptionalInt.empty();
    }

    /** Resident set size now, from /proc (Linux), in bytes; 0 once it has ended. */
    public long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | UncheckedIOException gone) {
            // the process ended
        }
        return 0;
    }

    /** SIGKILL to it and every process it started, as when its machine is lost. */
    public void kill() throws InterruptedException {
        process.descendants().toList().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, as a platform stops it, then {@link #kill} if it has not ended within {@code grace}. */
    public void stop(Duration grace) throws InterruptedException {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    /** {@link #kill}: a test's processes never outlive it. */
    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
