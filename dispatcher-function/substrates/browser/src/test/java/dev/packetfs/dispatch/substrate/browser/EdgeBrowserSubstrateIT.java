package dev.packetfs.dispatch.substrate.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.dispatch.substrate.ExecutionRequest;
import dev.packetfs.dispatch.substrate.VolunteerCensus;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.testing.ChildProcess;
import dev.packetfs.testing.RepositoryPaths;
import dev.packetfs.testing.WorkerdProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code browser} substrate leasing through the edge coordinator: worker-cloudflare's Durable
 * Objects in workerd, volunteers on real WebSockets ({@code worker-cloudflare/test/volunteers.mjs},
 * the shared JavaScript kernel, each from an address of its own), and the dispatcher's trust
 * policy deciding, as with its own coordinator: a new volunteer's answer gets a second browser's,
 * a liar is caught and closed by the coordinator on the dispatcher's word, a spot check goes to the
 * node it names, no volunteer is back-pressure, and a wrong token leases nothing.
 */
class EdgeBrowserSubstrateIT {
    private static final Pattern JOINED = Pattern.compile("^JOINED (\\S+) (\\S+)$", Pattern.MULTILINE);

    private static WorkerdProcess worker;
    private BrowserSubstrate browsers;
    private ChildProcess volunteers;

    @BeforeAll
    static void startCoordinator() throws Exception {
        worker = WorkerdProcess.start(Map.of("PACKETFS_BROWSER_SHARDS", "2"));
    }

    @AfterAll
    static void stopCoordinator() throws Exception {
        if (worker != null) { // null when it did not start: that failure is the one to report
            worker.close();
        }
    }

    @BeforeEach
    void wire() {
        browsers = edge(WorkerdProcess.TOKEN);
    }

    @AfterEach
    void stop() throws Exception {
        browsers.close();
        if (volunteers != null) {
            volunteers.kill();
            awaitVolunteers(0);
        }
    }

    private BrowserSubstrate edge(String token) {
        return BrowserSubstrate.atEdge(
                BrowserSettings.defaults(),
                program -> CompletableFuture.completedFuture(Kernel.execute(program)),
                (jobId, truth) -> {}, // nothing here is accepted on trust, so nothing is corrected
                program -> null,
                (url, timeout) -> CompletableFuture.completedFuture(null),
                Duration.ofSeconds(60),
                worker.url(),
                token);
    }

    /** Starts honest and lying volunteers and waits until the coordinator has welcomed them all. */
    private List<String[]> join(int honest, int liars) throws Exception {
        volunteers = ChildProcess.command(
                        "volunteers",
                        "node",
                        RepositoryPaths.find("worker-cloudflare/test/volunteers.mjs")
                                .toString(),
                        worker.url().toString(),
                        Integer.toString(honest),
                        Integer.toString(liars))
                .start();
        volunteers.awaitReady("joined", Duration.ofSeconds(30), () -> joined().size() == honest + liars);
        awaitVolunteers(honest + liars);
        return joined();
    }

    /** {node, address} of each volunteer welcomed, in the order they were. */
    private List<String[]> joined() {
        List<String[]> all = new ArrayList<>();
        Matcher m = JOINED.matcher(volunteers.log());
        while (m.find()) {
            all.add(new String[] {m.group(1), m.group(2)});
        }
        return all;
    }

    /** Until the coordinator's stats, as this substrate reads them, count {@code n} volunteers. */
    private void awaitVolunteers(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            browsers.refreshVolunteers();
            if (browsers.nodeCount() == n) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the coordinator counts " + browsers.nodeCount() + ", not " + n);
            Thread.sleep(50);
        }
    }

    private static ComputeJob crc(String id, String text) {
        return ComputeJob.of(
                        id,
                        new Program(
                                Op.CRC32C,
                                0,
                                null,
                                text.getBytes(StandardCharsets.UTF_8),
                                0,
                                Program.TO_END,
                                OptionalLong.empty()))
                .withPublic(true);
    }

    private ExecutionOutcome run(ComputeJob job) throws Exception {
        return browsers.execute(new ExecutionRequest(job, Duration.ofSeconds(20)))
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    @Test
    void theCensusCountsTheVolunteersOfEveryShard() throws Exception {
        assertEquals("edge", browsers.coordinator());
        join(3, 0);
        List<VolunteerCensus.Shard> shards = browsers.shards();
        assertEquals(
                List.of("0", "1"),
                shards.stream().map(VolunteerCensus.Shard::shard).toList());
        assertEquals(
                3, shards.stream().mapToInt(VolunteerCensus.Shard::volunteers).sum());
        assertEquals(
                browsers.slotCounts()[0],
                shards.stream().mapToInt(VolunteerCensus.Shard::slots).sum());
        assertEquals(0, shards.stream().mapToInt(VolunteerCensus.Shard::busy).sum());
    }

    @Test
    void aNewVolunteersAnswerIsCheckedByASecondBrowserAtTheEdge() throws Exception {
        List<String[]> nodes = join(2, 0);
        assertTrue(browsers.currentHealth().orElseThrow().healthy());
        assertEquals(1, browsers.capacity(), "two untrusted slots offer one: a quorum takes the other");
        ExecutionOutcome outcome = run(crc("edge-1", "123456789"));
        ExecutionOutcome.Success s = assertInstanceOf(ExecutionOutcome.Success.class, outcome, outcome.toString());
        assertEquals(3808858755L, s.result().get("checksum").asLong());
        String a = nodes.get(0)[0];
        String b = nodes.get(1)[0];
        assertTrue(
                s.location().equals("browser/" + a + "+" + b) || s.location().equals("browser/" + b + "+" + a),
                "two browsers agreed: " + s.location());
        assertEquals(1, browsers.stats().quorums.get());
        assertEquals(2, browsers.stats().leases.get());
        // Both leases in the books: two Worker requests, a shard or two asked and an answer each.
        Map<String, Double> billed = s.billed().quantities();
        assertEquals(2.0, billed.get("requests"));
        assertTrue(
                List.of(2.1, 3.1, 4.1).stream().anyMatch(q -> Math.abs(q - billed.get("do_requests")) < 1e-9),
                billed.toString());
        assertTrue(billed.get("do_gb_seconds") >= 0, billed.toString());
    }

    @Test
    void aLiarIsCaughtAndTheCoordinatorClosesIt() throws Exception {
        List<String[]> nodes = join(1, 1);
        String liar = nodes.stream()
                .filter(n -> n[1].equals("198.51.100.2"))
                .findFirst()
                .orElseThrow()[0];
        ExecutionOutcome.Success s =
                assertInstanceOf(ExecutionOutcome.Success.class, run(crc("edge-liar", "123456789")));
        assertEquals(3808858755L, s.result().get("checksum").asLong(), "the dispatcher's answer settled it");
        assertTrue(s.location().endsWith("+verified"), s.location());
        volunteers.awaitLog(
                Pattern.compile(
                        "^CLOSED " + Pattern.quote(liar) + " 1008 a result failed verification$", Pattern.MULTILINE),
                Duration.ofSeconds(10));
        assertEquals(1, browsers.stats().caught.get());
        awaitVolunteers(1);
        assertTrue(volunteers.isAlive());
    }

    @Test
    void aSpotCheckGoesToTheNodeItNames() throws Exception {
        List<String[]> nodes = join(2, 0);
        run(crc("edge-before-check", "abc")); // the dispatcher learns of both nodes
        for (String[] node : nodes) {
            long before = leasesTo(node[0]);
            browsers.spotCheckNow(node[0]);
            volunteers.awaitReady("spot-checked", Duration.ofSeconds(10), () -> leasesTo(node[0]) == before + 1);
        }
        assertEquals(2, browsers.stats().spotChecks.get());
    }

    private long leasesTo(String node) {
        return volunteers
                .log()
                .lines()
                .filter(l -> l.startsWith("LEASED " + node + " "))
                .count();
    }

    @Test
    void withNoVolunteerAtTheEdgeAJobIsThrottled() throws Exception {
        ExecutionOutcome.Failure f = assertInstanceOf(ExecutionOutcome.Failure.class, run(crc("edge-nobody", "x")));
        assertEquals(FailureKind.THROTTLED, f.kind(), f.message());
        assertFalse(browsers.currentHealth().orElseThrow().healthy(), "no volunteers: down");
    }

    @Test
    void aWrongTokenLeasesNothing() throws Exception {
        join(2, 0);
        try (BrowserSubstrate stranger = edge("not-the-worker-token-0123456789")) {
            ExecutionOutcome.Failure f = assertInstanceOf(
                    ExecutionOutcome.Failure.class,
                    stranger.execute(new ExecutionRequest(crc("edge-stranger", "x"), Duration.ofSeconds(5)))
                            .toCompletableFuture()
                            .get(10, TimeUnit.SECONDS));
            assertEquals(FailureKind.RETRYABLE, f.kind());
            assertTrue(f.message().contains("HTTP 401"), f.message());
        }
        assertTrue(volunteers.log().lines().noneMatch(l -> l.startsWith("LEASED ")), "no lease reached a volunteer");
    }
}
