package dev.packetfs.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Talks to a running dispatcher's HTTP API (docs/http-api.md); the connection options of the client commands. */
final class DispatcherClient {

    @Option(names = "--server", paramLabel = "URL", defaultValue = "${env:PACKETFS_SERVER:-http://127.0.0.1:8080}",
            description = "the dispatcher (default: $PACKETFS_SERVER or ${DEFAULT-VALUE})")
    String server;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:PACKETFS_API_KEY}",
            description = "the dispatcher's API key (default: $PACKETFS_API_KEY)")
    String apiKey;

    private HttpClient http;

    record Reply(int status, String body) {}

    Reply post(String path, String json) throws IOException, InterruptedException, Pfs.CliException {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json"));
    }

    Reply get(String path) throws IOException, InterruptedException, Pfs.CliException {
        return send(request(path).GET());
    }

    Reply delete(String path) throws IOException, InterruptedException, Pfs.CliException {
        return send(request(path).DELETE());
    }

    /** True when the dispatcher is on this machine's loopback (it can then read files this command serves). */
    boolean onLoopback() {
        try {
            String host = URI.create(server).getHost();
            return host != null && (host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]")
                    || host.equals("::1"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private HttpRequest.Builder request(String path) throws Pfs.CliException {
        URI uri;
        try {
            uri = URI.create(server.replaceAll("/+$", "") + path);
        } catch (IllegalArgumentException e) {
            throw new Pfs.CliException(Pfs.BAD_ARGUMENT, "--server is not a URL: " + server);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
        if (apiKey != null && !apiKey.isEmpty()) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b;
    }

    private Reply send(HttpRequest.Builder request) throws IOException, InterruptedException, Pfs.CliException {
        if (http == null) {
            http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
        }
        HttpResponse<String> r;
        try {
            r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new Pfs.CliException(Pfs.UNREACHABLE, "cannot reach the dispatcher at " + server
                    + " (is `pfs serve` running? set --server or PACKETFS_SERVER)");
        }
        if (r.statusCode() == 401) {
            throw new Pfs.CliException(Pfs.BAD_ARGUMENT, "the dispatcher refused the API key: " + errorOf(r.body()));
        }
        if (r.statusCode() >= 500) {
            throw new Pfs.CliException(Pfs.UNREACHABLE, "the dispatcher answered " + r.statusCode() + ": " + errorOf(r.body()));
        }
        return new Reply(r.statusCode(), r.body());
    }

    /** The "error" of an API error body, or the body itself. */
    static String errorOf(String body) {
        try {
            com.fasterxml.jackson.databind.JsonNode error = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(body).get("error");
            return error != null && error.isTextual() ? error.asText() : body.strip();
        } catch (IOException | RuntimeException notJson) {
            return body.strip();
        }
    }
}
