package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.packetfs.client.ForbiddenException;
import dev.packetfs.client.JobResult;
import dev.packetfs.client.NotFoundException;
import dev.packetfs.client.PacketfsClient;
import dev.packetfs.client.Signing;
import dev.packetfs.client.Submission;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.lambdalocal.SigV4Verifier;
import dev.packetfs.testing.ChildProcess;
import dev.packetfs.testing.ChildProcess.Finished;
import dev.packetfs.testing.RedisServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The project's clients against a dispatcher behind an IAM function URL: a front on 127.0.0.1
 * that checks each request's SigV4 signature as Lambda does for auth type {@code AWS_IAM}
 * (lambda-local's {@link SigV4Verifier}: service {@code lambda}, region us-east-1), answers 403
 * {@code {"Message":"Forbidden"}} when it does not hold and otherwise forwards to a real
 * dispatcher process (and, as the function URL, answers {@code /metrics/stream} 404). The Java
 * client signs with credentials from the default chain, {@code pfs run --aws-sigv4} from the
 * environment, and {@code pfs dashboard} serves the page through its signing proxy.
 */
class FunctionUrlSigningIT {
    static final String ACCESS_KEY = "AKIAPACKETFSTEST0002";
    static final String SECRET = "function-url-test-secret";
    static final Map<String, String> SIGNING_ENV = Map.of(
            "AWS_ACCESS_KEY_ID",
            ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY",
            SECRET,
            "AWS_REGION",
            "us-east-1",
            "AWS_EC2_METADATA_DISABLED",
            "true",
            "AWS_CONFIG_FILE",
            "/nonexistent/aws-config",
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials");
    static final HttpClient BROWSER =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static RedisServer redis;
    static DispatcherProcess dispatcher;
    static SigV4Front front;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        dispatcher = DispatcherProcess.start("function-url", redis.url(), Map.of());
        front = new SigV4Front(URI.create(dispatcher.url()));
    }

    @AfterAll
    static void stop() throws Exception {
        front.close();
        dispatcher.close();
        redis.close();
    }

    @AfterEach
    void forgetCredentials() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    static ObjectNode job(String id) {
        ObjectNode job = JobJson.MAPPER.createObjectNode().put("job_id", id);
        job.putObject("program").put("op", "crc32c").put("data", "MTIzNDU2Nzg5");
        return job;
    }

    @Test
    void theClientSignsWithTheDefaultCredentialsAndGetsThrough() throws Exception {
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET);
        int refusedBefore = front.refused.get();
        try (PacketfsClient client = PacketfsClient.builder(front.url())
                .signing(Signing.AWS_SIGV4)
                .awsRegion("us-east-1")
                .build()) {
            assertTrue(client.signsRequests());
            assertEquals(new Submission("signed-1", true), client.submit(job("signed-1")));
            assertEquals(
                    List.of(new Submission("signed-2", true), new Submission("signed-3", true)),
                    client.submitAll(List.of(job("signed-2"), job("signed-3"))));
            JobResult r = client.await("signed-1", Duration.ofSeconds(30));
            assertEquals(3808858755L, r.result().get("checksum").asLong());
            assertTrue(client.awaitAsync("signed-3", Duration.ofSeconds(30))
                    .get(30, TimeUnit.SECONDS)
                    .succeeded());
            assertEquals("succeeded", client.status("signed-2").state());
            assertTrue(client.metrics("1h").has("series"));
            assertTrue(client.deadLetters().has("dead_letters"));
            // The dispatcher's own refusals come through the front as they are.
            assertEquals(
                    "no job 'unknown' is known",
                    assertThrows(NotFoundException.class, () -> client.cancel("unknown"))
                            .getMessage());
        }
        assertEquals(
                refusedBefore, front.refused.get(), "every request, each poll included, was signed: " + front.reasons);
        assertTrue(
                front.lastAuthorization.startsWith("AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY + "/"),
                front.lastAuthorization);
    }

    @Test
    void unsignedOrBadlySignedRequestsAreForbidden() throws Exception {
        try (PacketfsClient unsigned = PacketfsClient.builder(front.url())
                .apiKey("a-key-is-no-signature")
                .build()) {
            ForbiddenException e = assertThrows(ForbiddenException.class, () -> unsigned.submit(job("unsigned-1")));
            assertEquals(403, e.status());
            assertEquals("Forbidden", e.getMessage());
            assertEquals("{\"Message\":\"Forbidden\"}", e.body());
            assertInstanceOf(ForbiddenException.class, assertThrows(Exception.class, () -> unsigned.health()));
        }
        try (PacketfsClient wrongSecret = PacketfsClient.builder(front.url())
                        .signing(Signing.AWS_SIGV4)
                        .awsRegion("us-east-1")
                        .awsCredentials(StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(ACCESS_KEY, "not-the-secret")))
                        .build();
                PacketfsClient wrongRegion = PacketfsClient.builder(front.url())
                        .signing(Signing.AWS_SIGV4)
                        .awsRegion("eu-west-1")
                        .awsCredentials(
                                StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET)))
                        .build()) {
            assertThrows(ForbiddenException.class, () -> wrongSecret.metrics());
            assertThrows(ForbiddenException.class, () -> wrongRegion.metrics());
        }
        assertTrue(front.reasons.stream().anyMatch(r -> r.contains("not signed")), front.reasons.toString());
        assertTrue(front.reasons.stream().anyMatch(r -> r.contains("signature")), front.reasons.toString());
    }

    @Test
    void pfsRunSignsWithAwsSigV4() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(SIGNING_ENV);
        env.put("PACKETFS_SERVER", front.url());
        Finished run = PfsCommandsIT.pfs(
                env,
                "run",
                "--aws-sigv4",
                "--op",
                "crc32c",
                "--data-base64",
                "MTIzNDU2Nzg5",
                "--job-id",
                "pfs-signed-1");
        assertEquals(0, run.code(), run.err());
        assertEquals("", run.err());
        JsonNode r = JobJson.readTree(run.out());
        assertEquals(3808858755L, r.get("result").get("checksum").asLong());
        Finished result = PfsCommandsIT.pfs(
                Map.of(
                        "PACKETFS_SERVER",
                        front.url(),
                        "PACKETFS_AWS_SIGV4",
                        "1",
                        "AWS_ACCESS_KEY_ID",
                        ACCESS_KEY,
                        "AWS_SECRET_ACCESS_KEY",
                        SECRET,
                        "AWS_REGION",
                        "us-east-1"),
                "result",
                "pfs-signed-1");
        assertEquals(0, result.code(), result.err());

        Finished unsigned = PfsCommandsIT.pfs(Map.of("PACKETFS_SERVER", front.url()), "result", "pfs-signed-1");
        assertEquals(2, unsigned.code());
        assertTrue(
                unsigned.err().startsWith("pfs result: the dispatcher refused the request (403 Forbidden)"),
                unsigned.err());
        assertTrue(unsigned.err().contains("--aws-sigv4"), unsigned.err());
        Finished noCredentials = PfsCommandsIT.pfs(
                Map.of(
                        "PACKETFS_SERVER",
                        front.url(),
                        "AWS_REGION",
                        "us-east-1",
                        "AWS_EC2_METADATA_DISABLED",
                        "true",
                        "AWS_CONFIG_FILE",
                        "/nonexistent/c",
                        "AWS_SHARED_CREDENTIALS_FILE",
                        "/nonexistent/c"),
                "submit",
                "--aws-sigv4",
                "--op",
                "add",
                "--data-base64",
                "AA==");
        assertEquals(2, noCredentials.code());
        assertTrue(
                noCredentials.err().startsWith("pfs submit: no AWS credentials to sign the request with (SigV4)"),
                noCredentials.err());
    }

    @Test
    void pfsDashboardServesThePageAndItsDataThroughASigningProxy() throws Exception {
        try (Dashboard d = Dashboard.start(SIGNING_ENV, "--server", front.url(), "--aws-sigv4")) {
            HttpResponse<String> page = d.get("/dashboard", Map.of());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("dashboard/uplot.js"), page.body());
            assertTrue(page.headers()
                    .firstValue("Content-Security-Policy")
                    .orElse("")
                    .contains("default-src 'self'"));
            assertEquals(200, d.get("/dashboard/dashboard.js", Map.of()).statusCode());
            assertEquals(200, d.get("/dashboard/uplot.css", Map.of()).statusCode());

            // The browser's own credentials stay with the browser; the proxy signs.
            HttpResponse<String> metrics =
                    d.get("/metrics?range=15m", Map.of("Authorization", "Bearer from-the-page", "Cookie", "session=1"));
            assertEquals(200, metrics.statusCode(), metrics.body());
            assertEquals(
                    90, JobJson.readTree(metrics.body()).get("series").get("t").size());
            assertTrue(front.lastAuthorization.startsWith("AWS4-HMAC-SHA256 "), front.lastAuthorization);
            assertTrue(front.lastCookie == null, "no cookie forwarded: " + front.lastCookie);
            assertEquals(200, d.get("/dead-letters?limit=50", Map.of()).statusCode());
            assertEquals(
                    404,
                    d.get("/metrics/stream?range=15m", Map.of()).statusCode(),
                    "the function URL has no stream: the page polls");

            HttpResponse<String> requeue =
                    d.send("POST", "/dead-letters/1-1/requeue", Map.of("Content-Type", "application/json"), "{}");
            assertEquals(404, requeue.statusCode(), requeue.body());
            assertEquals(
                    "no dead letter '1-1'",
                    JobJson.readTree(requeue.body()).get("error").asText());

            assertEquals(405, d.send("DELETE", "/jobs/x", Map.of(), null).statusCode());
            assertEquals(
                    403,
                    d.send(
                                    "POST",
                                    "/dead-letters/1-1/requeue",
                                    Map.of("Content-Type", "application/json", "Origin", "http://evil.example"),
                                    "{}")
                            .statusCode(),
                    "a page elsewhere cannot post through it");
            assertEquals(
                    403,
                    d.get("/metrics", Map.of("Sec-Fetch-Site", "cross-site")).statusCode());
        }
    }

    @Test
    void pfsDashboardPassesTheLiveStreamOnAsItComes() throws Exception {
        // pfs serve has the stream (a function URL does not): events every 2 s, never ending.
        try (Dashboard d = Dashboard.start(Map.of(), "--server", dispatcher.url())) {
            HttpResponse<Stream<String>> stream = BROWSER.send(
                    HttpRequest.newBuilder(d.url.resolve("/metrics/stream?range=1h"))
                            .header("Accept", "text/event-stream")
                            .build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, stream.statusCode());
            assertTrue(stream.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            try (Stream<String> lines = stream.body()) {
                String first = CompletableFuture.supplyAsync(() -> lines.filter(l -> l.startsWith("data:"))
                                .findFirst()
                                .orElseThrow())
                        .get(20, TimeUnit.SECONDS);
                assertEquals(
                        "1h",
                        JobJson.readTree(first.substring(5))
                                .get("series")
                                .get("range")
                                .asText());
            }
        }
    }

    /** {@code pfs dashboard} as a user runs it, until it is stopped. */
    static final class Dashboard implements AutoCloseable {
        /** What {@code pfs dashboard} prints once it serves: the page's address. */
        private static final Pattern SERVING =
                Pattern.compile("^dashboard: (http://127\\.0\\.0\\.1:\\d+/dashboard)$", Pattern.MULTILINE);

        final ChildProcess process;
        final URI url;

        private Dashboard(ChildProcess process, URI url) {
            this.process = process;
            this.url = url;
        }

        static Dashboard start(Map<String, String> env, String... args) throws Exception {
            List<String> command = new ArrayList<>(List.of(PfsCommandsIT.PFS.toString(), "dashboard"));
            command.addAll(List.of(args));
            ChildProcess p =
                    ChildProcess.command("pfs dashboard", command).env(env).start();
            try {
                return new Dashboard(
                        p,
                        URI.create(p.awaitLog(SERVING, Duration.ofSeconds(180)).group(1)));
            } catch (Exception | Error e) {
                p.kill();
                throw e;
            }
        }

        HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
            return send("GET", path, headers, null);
        }

        HttpResponse<String> send(String method, String path, Map<String, String> headers, String body)
                throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(url.resolve(path))
                    .timeout(Duration.ofSeconds(30))
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(body));
            headers.forEach(b::header);
            return BROWSER.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        @Override
        public void close() throws InterruptedException {
            process.stop(Duration.ofSeconds(20));
        }
    }

    /**
     * A function URL with auth type AWS_IAM in front of the dispatcher: the signature is checked,
     * then the request is forwarded and the whole answer returned (Lambda buffers answers).
     */
    static final class SigV4Front implements AutoCloseable {
        final SigV4Verifier verifier = new SigV4Verifier(ACCESS_KEY, SECRET, "us-east-1", "lambda");
        final HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final URI target;
        final HttpServer server;
        final java.util.concurrent.ExecutorService threads = Executors.newFixedThreadPool(8);
        final AtomicInteger refused = new AtomicInteger();
        final List<String> reasons = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile String lastAuthorization = "";
        volatile String lastCookie;

        SigV4Front(URI target) throws IOException {
            this.target = target;
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            server.setExecutor(threads);
            server.createContext("/", this::handle);
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                URI uri = exchange.getRequestURI();
                Optional<String> refusal = verifier.refusal(
                        exchange.getRequestMethod(),
                        uri.getRawPath(),
                        uri.getRawQuery(),
                        exchange.getRequestHeaders(),
                        body,
                        Instant.now());
                if (refusal.isPresent()) {
                    refused.incrementAndGet();
                    reasons.add(exchange.getRequestMethod() + " " + uri + ": " + refusal.get());
                    answer(
                            exchange,
                            403,
                            "application/json",
                            "{\"Message\":\"Forbidden\"}".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                lastAuthorization = exchange.getRequestHeaders().getFirst("Authorization");
                lastCookie = exchange.getRequestHeaders().getFirst("Cookie");
                if (uri.getRawPath().equals("/metrics/stream")) {
                    answer(
                            exchange,
                            404,
                            "application/json",
                            "{\"error\":\"live updates are not served here; poll GET /metrics\"}"
                                    .getBytes(StandardCharsets.UTF_8));
                    return;
                }
                HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(
                                target + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())))
                        .method(
                                exchange.getRequestMethod(),
                                body.length == 0
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofByteArray(body));
                for (String name : List.of("Content-Type", "Accept")) {
                    String v = exchange.getRequestHeaders().getFirst(name);
                    if (v != null) {
                        forward.header(name, v);
                    }
                }
                HttpResponse<byte[]> r;
                try {
                    r = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                r.headers().map().forEach((name, values) -> {
                    String n = name.toLowerCase(Locale.ROOT);
                    if (!n.equals("content-length") && !n.equals("transfer-encoding") && !n.equals("connection")) {
                        exchange.getResponseHeaders().put(name, values);
                    }
                });
                exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                exchange.getResponseBody().write(r.body());
            }
        }

        private static void answer(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        }

        @Override
        public void close() {
            server.stop(0);
            threads.shutdownNow();
        }
    }
}
