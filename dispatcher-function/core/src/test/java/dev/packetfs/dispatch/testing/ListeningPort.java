package dev.packetfs.dispatch.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The port a Quarkus process started with {@code QUARKUS_HTTP_PORT=0} bound, read from its log
 * ("Listening on: http://127.0.0.1:PORT"). The kernel picks the port as it binds, so no other
 * process can take it between a test choosing it and the server binding it, which a port picked
 * free and then released allows.
 */
public final class ListeningPort {
    private static final Pattern LISTENING = Pattern.compile("Listening on: https?://[^\\s:]+:(\\d+)");

    private ListeningPort() {}

    public static int await(Process process, Path log, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("the process exited before listening:\n" + Files.readString(log));
            }
            process.waitFor(50, TimeUnit.MILLISECONDS);
        }
        throw new IllegalStateException("not listening after " + timeout + ":\n" + Files.readString(log));
    }
}
