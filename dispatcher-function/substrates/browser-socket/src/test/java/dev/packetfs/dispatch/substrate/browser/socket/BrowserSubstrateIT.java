package dev.packetfs.dispatch.substrate.browser.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.packetfs.dispatch.contract.SubstrateAdapterContract;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.browser.BrowserBeans;
import dev.packetfs.dispatch.substrate.browser.BrowserSettings;
import dev.packetfs.dispatch.substrate.browser.BrowserSubstrate;
import dev.packetfs.dispatch.substrate.browser.NodeLink;
import dev.packetfs.protocol.fetch.FetchLimits;
import dev.packetfs.protocol.fetch.PublicAddressPolicy;
import dev.packetfs.protocol.fetch.WindowFetcher;
import dev.packetfs.testing.ChildProcess;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * BrowserSubstrate ↔ a real volunteer: headless Chromium running the browser runtime (the client,
 * its Web Worker, the JavaScript kernel and window reader), joined over a real WebSocket, reading
 * the contract's origin by CORS. The coordinator is wired as the server wires it
 * ({@link BrowserBeans#wire}): the dispatcher's own fetcher verifies the page and pins versions.
 * The WebSocket and the page are served by Vert.x here instead of Quarkus, which `pfs serve`'s
 * tests and the browser runtime's own Chromium tests cover.
 *
 * <p>Where a browser differs, the contract takes its documented answer (docs/volunteer-protocol.md):
 * a volunteer's word that an origin failed is not taken, so the attempt is retried; a refused
 * address is never leased, and runs elsewhere; no volunteer connected is throttling; a full
 * page's lease waits for a slot rather than being pushed back; volunteers have no credentials.
 */
class BrowserSubstrateIT extends SubstrateAdapterContract {
    private static final Map<String, String> TYPES = Map.of(
            "html",
            "text/html; charset=utf-8",
            "js",
            "text/javascript; charset=utf-8",
            "mjs",
            "text/javascript; charset=utf-8");

    private static ExecutorService executor;
    private static WindowFetcher fetcher;
    private static BrowserSubstrate browsers;
    private static Vertx vertx;
    private static ChildProcess chromium;
    private static Path profile;

    @BeforeAll
    static void startVolunteer() throws Exception {
        Path binary = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        assumeTrue(
                Files.isExecutable(binary),
                "no Chromium at " + binary + " (apt-get install chromium; ./scripts/test does)");
        executor = Executors.newCachedThreadPool();
        fetcher = new WindowFetcher(FetchLimits.defaults(), PublicAddressPolicy.allowing("127.0.0.1"));
        browsers = BrowserBeans.wire(
                BrowserSettings.defaults(),
                fetcher,
                PublicAddressPolicy.allowing("127.0.0.1"),
                (jobId, truth) -> {},
                Duration.ofSeconds(60),
                executor);
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer()
                .webSocketHandler(BrowserSubstrateIT::join)
                .requestHandler(request -> {
                    String name = request.path().replaceFirst("^/browser-runtime/", "");
                    byte[] file = runtimeFile(name.isEmpty() ? "index.html" : name);
                    if (file == null) {
                        request.response().setStatusCode(404).end();
                        return;
                    }
                    String extension = name.isEmpty() ? "html" : name.substring(name.lastIndexOf('.') + 1);
                    request.response()
                            .putHeader("Content-Type", TYPES.getOrDefault(extension, "application/octet-stream"))
                            .putHeader("Cache-Control", "no-cache")
                            .end(Buffer.buffer(file));
                })
                .listen(0, "127.0.0.1")
                .toCompletionStage()
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        profile = Files.createTempDirectory("chromium-volunteer");
        chromium = ChildProcess.command(
                        "chromium",
                        binary.toString(),
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--user-data-dir=" + profile,
                        "http://127.0.0.1:" + server.actualPort() + "/browser-runtime/")
                .start();
        chromium.awaitReady(
                "joined as a volunteer",
                Duration.ofSeconds(60),
                () -> browsers.nodeCount() > 0
                        && browsers.currentHealth().orElseThrow().healthy());
    }

    /** As BrowserSocket hands a connection over: join, each message, leave. */
    private static void join(ServerWebSocket socket) {
        if (!socket.path().equals("/browser")) {
            socket.reject();
            return;
        }
        String id = UUID.randomUUID().toString();
        browsers.join(
                id,
                new NodeLink() {
                    @Override
                    public void send(String json) {
                        socket.writeTextMessage(json).onFailure(e -> socket.close());
                    }

                    @Override
                    public void close(int code, String reason) {
                        socket.close((short) code, reason);
                    }
                },
                "127.0.0.1");
        socket.textMessageHandler(text -> browsers.message(id, text));
        socket.closeHandler(closed -> browsers.leave(id));
    }

    /** The runtime's files, packaged into this module's classes from where they live. */
    private static byte[] runtimeFile(String name) {
        if (name.contains("/") || name.contains("..")) {
            return null;
        }
        try (InputStream in = BrowserSubstrateIT.class.getResourceAsStream("/browser-runtime/" + name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    @AfterAll
    static void stopVolunteer() throws Exception {
        if (chromium != null) {
            chromium.stop(Duration.ofSeconds(10));
        }
        if (browsers != null) {
            browsers.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            fetcher.close();
            executor.shutdownNow();
        }
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Override
    protected SubstrateAdapter adapter() {
        return browsers;
    }

    @Override
    protected SubstrateAdapter adapterWithWrongCredentials() {
        return null;
    }

    /** A coordinator no volunteer has joined. */
    @Override
    protected SubstrateAdapter unreachableAdapter() {
        return BrowserBeans.wire(
                BrowserSettings.defaults(),
                fetcher,
                PublicAddressPolicy.allowing("127.0.0.1"),
                (jobId, truth) -> {},
                Duration.ofSeconds(60),
                executor);
    }

    @Override
    protected int capacity() {
        return browsers.capacity();
    }

    @Override
    protected boolean pushesBack() {
        return false;
    }

    @Override
    protected FailureKind originFailure() {
        return FailureKind.RETRYABLE;
    }

    @Override
    protected FailureKind refusedAddressFailure() {
        return FailureKind.UNSUITABLE;
    }

    @Override
    protected FailureKind unreachableFailure() {
        return FailureKind.THROTTLED;
    }

    /** Volunteers are not paid. */
    @Override
    protected Set<String> billedUnits() {
        return Set.of();
    }

    /** The page computed it (whether the dispatcher also checked it depends on the trust it has earned so far). */
    @Test
    void theVolunteerComputesIt() throws Exception {
        ExecutionOutcome.Success s = assertInstanceOf(
                ExecutionOutcome.Success.class,
                run(browsers, job("page", "{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}"), Duration.ofSeconds(10)));
        assertEquals(3808858755L, s.result().get("checksum").longValue());
        assertTrue(s.location().startsWith("browser/"), s.location());
    }
}
