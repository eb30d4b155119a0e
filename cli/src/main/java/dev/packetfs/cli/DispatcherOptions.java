package dev.packetfs.cli;

import dev.packetfs.client.DispatcherUnreachableException;
import dev.packetfs.client.ForbiddenException;
import dev.packetfs.client.PacketfsClient;
import dev.packetfs.client.PacketfsException;
import dev.packetfs.client.Signing;
import dev.packetfs.client.SigningException;
import dev.packetfs.client.UnauthorizedException;
import java.net.ConnectException;
import java.net.URI;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The connection options of the commands that talk to a dispatcher (submit, result, run, watch,
 * dashboard), the {@link PacketfsClient} they make, and what its failures mean to a user: the
 * message and exit code of each ({@link #explain}).
 */
final class DispatcherOptions {

    @Option(
            names = "--server",
            paramLabel = "URL",
            defaultValue = "${env:PACKETFS_SERVER:-http://127.0.0.1:8080}",
            description = "the dispatcher (default: $PACKETFS_SERVER or ${DEFAULT-VALUE})")
    String server;

    @Option(
            names = "--api-key",
            paramLabel = "KEY",
            defaultValue = "${env:PACKETFS_API_KEY}",
            description = "the dispatcher's API key, sent by requests that are not signed (default: $PACKETFS_API_KEY)")
    String apiKey;

    /** Null unless given: then $PACKETFS_AWS_SIGV4 decides, else the server's host (Signing.AUTO). */
    @Option(
            names = "--aws-sigv4",
            negatable = true,
            description =
                    "sign every request with AWS SigV4 and the default AWS credentials (default: only for a function URL,"
                            + " <id>.lambda-url.<region>.on.aws; $PACKETFS_AWS_SIGV4=1 or 0 forces it on or off)")
    Boolean awsSigV4;

    @Option(
            names = "--aws-region",
            paramLabel = "REGION",
            description = "the region to sign for (default: the function URL's, else $AWS_REGION)")
    String awsRegion;

    private PacketfsClient client;

    /** The client, made at the first call: a command that fails before it talks to the dispatcher needs none. */
    PacketfsClient client() throws Pfs.CliException {
        if (client == null) {
            try {
                client = PacketfsClient.builder(server)
                        .apiKey(apiKey)
                        .signing(signing(awsSigV4, System.getenv("PACKETFS_AWS_SIGV4")))
                        .awsRegion(awsRegion)
                        .build();
            } catch (IllegalArgumentException e) {
                // The builder's two refusals: the URL, or signing without a region.
                throw new Pfs.CliException(
                        Pfs.BAD_ARGUMENT,
                        e.getMessage().startsWith(PacketfsClient.NOT_A_URL)
                                ? "--server is not a URL: " + server
                                : e.getMessage());
            }
        }
        return client;
    }

    static Signing signing(Boolean option, String environment) throws Pfs.CliException {
        if (option != null) {
            return option ? Signing.AWS_SIGV4 : Signing.NONE;
        }
        if (environment == null || environment.isBlank()) {
            return Signing.AUTO;
        }
        return switch (environment.strip().toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes", "on" -> Signing.AWS_SIGV4;
            case "0", "false", "no", "off" -> Signing.NONE;
            default ->
                throw new Pfs.CliException(Pfs.BAD_ARGUMENT, "PACKETFS_AWS_SIGV4 is 1 or 0, not '" + environment + "'");
        };
    }

    /** True when the dispatcher is on this machine's loopback (it can then read files this command serves). */
    boolean onLoopback() {
        try {
            String host = URI.create(server).getHost();
            return host != null
                    && (host.equals("127.0.0.1")
                            || host.equals("localhost")
                            || host.equals("[::1]")
                            || host.equals("::1"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * What a failure of the client means to a user of any command: a {@link Pfs.CliException}
     * with its message and exit code; other exceptions as they are. A command handles first the
     * answers that mean something of their own to it (a refused job, an unknown id).
     */
    static Exception explain(Exception e) {
        if (e instanceof DispatcherUnreachableException u) {
            return new Pfs.CliException(
                    Pfs.UNREACHABLE,
                    u.getCause() instanceof ConnectException
                            ? "cannot reach the dispatcher at " + u.server()
                                    + " (is `pfs serve` running? set --server or PACKETFS_SERVER)"
                            : u.getCause().getMessage() != null ? u.getCause().getMessage() : u.getMessage());
        }
        if (e instanceof UnauthorizedException) {
            return new Pfs.CliException(Pfs.BAD_ARGUMENT, "the dispatcher refused the API key: " + e.getMessage());
        }
        if (e instanceof ForbiddenException) {
            return new Pfs.CliException(
                    Pfs.BAD_ARGUMENT,
                    "the dispatcher refused the request (403 " + e.getMessage() + "): a function"
                            + " URL with AWS_IAM auth takes requests signed with --aws-sigv4 by AWS credentials allowed"
                            + " lambda:InvokeFunctionUrl on it");
        }
        if (e instanceof SigningException) {
            return new Pfs.CliException(Pfs.BAD_ARGUMENT, e.getMessage());
        }
        if (e instanceof PacketfsException p) {
            return new Pfs.CliException(
                    Pfs.UNREACHABLE, "the dispatcher answered " + p.status() + ": " + p.getMessage());
        }
        return e;
    }

    /** True for the failures every command leaves to {@link #explain}: the key or signature refused, the dispatcher failing. */
    static boolean general(PacketfsException e) {
        return e instanceof UnauthorizedException || e instanceof ForbiddenException || e.status() >= 500;
    }
}
