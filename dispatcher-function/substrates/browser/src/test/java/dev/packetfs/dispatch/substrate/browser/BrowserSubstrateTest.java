package dev.packetfs.dispatch.substrate.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.dispatch.substrate.ExecutionRequest;
import dev.packetfs.dispatch.substrate.VolunteerCensus;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramJson;
import dev.packetfs.protocol.fetch.PublicAddressPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's leasing and verification with scripted browsers on in-memory links: the same
 * messages a real page sends, without a page. Real Chromium pages run in browser-runtime's tests.
 */
class BrowserSubstrateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, KernelResult> corrections = new ConcurrentHashMap<>();
    private final AtomicInteger recomputes = new AtomicInteger();

    private BrowserSubstrate coordinator(int trustAfter, double minVerify, double spotCheck) {
        BrowserSettings settings =
                new BrowserSettings(2, trustAfter, minVerify, spotCheck, false, 1000, 100, Duration.ofMillis(10), 3);
        return new BrowserSubstrate(
                settings,
                program -> {
                    recomputes.incrementAndGet();
                    return CompletableFuture.completedFuture(Kernel.execute(program));
                },
                corrections::put,
                program -> null,
                (url, timeout) -> CompletableFuture.completedFuture(null),
                Duration.ofSeconds(30));
    }

    /** A scripted browser: answers every lease, honestly unless told to lie. */
    private static final class FakeBrowser implements NodeLink {
        final String id;
        final BrowserSubstrate coordinator;
        volatile boolean lying;
        volatile boolean silent;
        /** Answers every lease with an object_changed error. */
        volatile boolean sayChanged;

        final List<JsonNode> programs = new CopyOnWriteArrayList<>();
        volatile int closedWith;
        final List<String> leases = new CopyOnWriteArrayList<>();

        FakeBrowser(BrowserSubstrate coordinator, String id) {
            this(coordinator, id, 2);
        }

        FakeBrowser(BrowserSubstrate coordinator, String id, int concurrency) {
            this.coordinator = coordinator;
            this.id = id;
            coordinator.join(id, this, "10.0.0." + id.hashCode() % 200);
            coordinator.message(
                    id,
                    "{\"type\":\"hello\",\"capabilities\":{\"concurrency\":" + concurrency
                            + ",\"ua_class\":\"test\"}}");
        }

        @Override
        public void send(String json) {
            try {
                JsonNode m = JSON.readTree(json);
                if (!m.path("type").asText().equals("lease")) {
                    return;
                }
                leases.add(m.get("lease").asText());
                programs.add(m.get("program"));
                if (silent) {
                    return;
                }
                if (sayChanged) {
                    ObjectNode error = JSON.createObjectNode()
                            .put("type", "error")
                            .put("lease", m.get("lease").asText())
                            .put("error", "the object changed")
                            .put("error_code", "object_changed");
                    CompletableFuture.runAsync(() -> coordinator.message(id, error.toString()));
                    return;
                }
                Program p = ProgramJson.parse(m.get("program"));
                KernelResult r = Kernel.execute(p);
                if (lying) {
                    r = new KernelResult(r.op(), r.value() ^ 1, r.bytesProcessed());
                }
                ObjectNode answer = JSON.createObjectNode()
                        .put("type", "result")
                        .put("lease", m.get("lease").asText());
                answer.set("result", r.toJson());
                CompletableFuture.runAsync(() -> coordinator.message(id, answer.toString()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close(int code, String reason) {
            closedWith = code;
            coordinator.leave(id);
        }
    }

    private static ComputeJob job(String id, int n) {
        byte[] data = new byte[64 + n];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + n);
        }
        Program p = new Program(Op.values()[n % 5], n % 256, null, data, 0, Program.TO_END, OptionalLong.empty());
        return ComputeJob.of(id, p).withPublic(true);
    }

    private static ExecutionOutcome run(BrowserSubstrate c, ComputeJob job) throws Exception {
        return c.execute(new ExecutionRequest(job, Duration.ofSeconds(5)))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    private static void assertRight(ComputeJob job, ExecutionOutcome outcome) {
        ExecutionOutcome.Success s = assertInstanceOf(ExecutionOutcome.Success.class, outcome, String.valueOf(outcome));
        assertEquals(Kernel.execute(job.program()).toJson(), s.result());
    }

    /** A coordinator whose dispatcher reads data_url windows as {@code read} says, and pins {@code now}. */
    private BrowserSubstrate reading(
            java.util.function.Function<Program, CompletableFuture<KernelResult>> read,
            dev.packetfs.kernel.ObjectVersion now) {
        BrowserSettings settings = new BrowserSettings(2, 1, 0, 0, false, 1000, 100, Duration.ofMillis(10), 3);
        return new BrowserSubstrate(
                settings,
                program -> {
                    recomputes.incrementAndGet();
                    return read.apply(program);
                },
                corrections::put,
                program -> null,
                (url, timeout) -> CompletableFuture.completedFuture(now),
                Duration.ofSeconds(30));
    }

    private static final dev.packetfs.kernel.ObjectVersion V1 =
            new dev.packetfs.kernel.ObjectVersion("\"v1\"", null, 9);
    private static final KernelResult DIGITS = Kernel.execute(Program.over(Op.CRC32C, 0, "123456789".getBytes()));

    private static ComputeJob urlJob(String id, dev.packetfs.kernel.ObjectVersion version) {
        return ComputeJob.of(
                        id,
                        new Program(
                                Op.CRC32C,
                                0,
                                "https://objects.example/digits",
                                null,
                                0,
                                Program.TO_END,
                                OptionalLong.empty(),
                                version))
                .withPublic(true);
    }

    @Test
    void aDataUrlJobIsLeasedPinnedToTheVersionItsObjectHasNow() throws Exception {
        BrowserSubstrate c = reading(p -> CompletableFuture.completedFuture(DIGITS), V1);
        FakeBrowser b = new FakeBrowser(c, "b");
        b.sayChanged = true; // its answer does not matter here; the lease it got does
        run(c, urlJob("pin-me", null));
        assertEquals(
                "{\"etag\":\"\\\"v1\\\"\",\"size\":9}",
                b.programs.get(0).get("version").toString());
    }

    @Test
    void aVolunteerSayingTheObjectChangedIsCheckedAndTheDispatchersReadDecides() throws Exception {
        // The dispatcher reads the pinned version fine: the volunteer's word is not taken.
        BrowserSubstrate c = reading(p -> CompletableFuture.completedFuture(DIGITS), V1);
        FakeBrowser b = new FakeBrowser(c, "b");
        b.sayChanged = true;
        ExecutionOutcome.Success s = assertInstanceOf(ExecutionOutcome.Success.class, run(c, urlJob("claims", V1)));
        assertEquals(DIGITS.toJson(), s.result());
        assertEquals(1, recomputes.get());
        assertEquals(0, b.closedWith, "an honest mistake (a stale edge) is no lie");
    }

    @Test
    void aChangeTheDispatcherConfirmsIsTheJobsWhenItPinnedTheVersionAndARereadWhenTheDispatcherDid() throws Exception {
        BrowserSubstrate c = reading(
                p -> CompletableFuture.failedFuture(new dev.packetfs.protocol.fetch.FetchException(
                        dev.packetfs.protocol.fetch.FetchException.Kind.OBJECT_CHANGED, "it is now ETag \"v2\"")),
                V1);
        FakeBrowser b = new FakeBrowser(c, "b");
        b.sayChanged = true;
        ExecutionOutcome.Failure pinnedByJob =
                assertInstanceOf(ExecutionOutcome.Failure.class, run(c, urlJob("mine", V1)));
        assertEquals(FailureKind.OBJECT_CHANGED, pinnedByJob.kind(), pinnedByJob.message());
        ExecutionOutcome.Failure pinnedHere =
                assertInstanceOf(ExecutionOutcome.Failure.class, run(c, urlJob("unpinned", null)));
        assertEquals(FailureKind.ORIGIN, pinnedHere.kind(), "read again on the next attempt, pinned anew");
        assertTrue(
                pinnedHere.message().startsWith("the object changed while volunteers read it"), pinnedHere.message());
    }

    @Test
    void withNoVolunteerThereIsNoCapacityAndJobsAreThrottled() throws Exception {
        BrowserSubstrate c = coordinator(10, 0.05, 0);
        assertEquals(0, c.capacity());
        assertFalse(c.currentHealth().orElseThrow().healthy());
        ExecutionOutcome.Failure f = assertInstanceOf(ExecutionOutcome.Failure.class, run(c, job("j", 1)));
        assertEquals(FailureKind.THROTTLED, f.kind());
    }

    @Test
    void newNodesNeedAQuorumAndEarnTrust() throws Exception {
        BrowserSubstrate c = coordinator(5, 0.0, 0);
        FakeBrowser a = new FakeBrowser(c, "a");
        FakeBrowser b = new FakeBrowser(c, "b");
        assertEquals(4 - 2, c.capacity(), "half the untrusted slots are held back for second opinions");
        for (int i = 0; i < 5; i++) {
            assertRight(job("q" + i, i), run(c, job("q" + i, i)));
        }
        assertEquals(5, c.stats().quorums.get());
        assertEquals(10, a.leases.size() + b.leases.size(), "every answer came from two browsers");
        assertEquals(0, recomputes.get());
        assertEquals(4, c.capacity(), "trusted nodes need no second slot");
        for (int i = 5; i < 105; i++) {
            assertRight(job("t" + i, i), run(c, job("t" + i, i)));
        }
        long verifiedLater = c.stats().quorums.get() - 5;
        assertTrue(
                verifiedLater > 0 && c.stats().unverified.get() > 50,
                "trusted nodes are verified only sometimes: " + verifiedLater + " of 100");
    }

    @Test
    void aLyingNewNodeIsCaughtAndItsAnswerNeverUsed() throws Exception {
        BrowserSubstrate c = coordinator(5, 0.05, 0);
        FakeBrowser honest = new FakeBrowser(c, "honest");
        FakeBrowser liar = new FakeBrowser(c, "liar");
        liar.lying = true;
        for (int i = 0; i < 6; i++) {
            assertRight(job("l" + i, i), run(c, job("l" + i, i)));
        }
        assertEquals(1008, liar.closedWith);
        assertEquals(0, honest.closedWith);
        assertEquals(1, c.stats().caught.get());
        assertTrue(recomputes.get() >= 1, "the disagreement was settled by the dispatcher's kernel");
        assertEquals(
                List.of(2, 0), List.of(c.slotCounts()[0], c.slotCounts()[1]), "only the honest node's slots are left");
    }

    @Test
    void aLoneNewNodeIsCheckedByTheDispatcher() throws Exception {
        BrowserSubstrate c = coordinator(5, 0.05, 0);
        new FakeBrowser(c, "alone", 1);
        assertEquals(1, c.capacity(), "one slot, though untrusted, is still work for the dispatcher to take");
        assertRight(job("x", 3), run(c, job("x", 3)));
        assertEquals(1, recomputes.get());
    }

    @Test
    void aTrustedNodeCaughtLaterHasEveryUnverifiedAnswerCorrected() throws Exception {
        BrowserSubstrate c = coordinator(2, 0.0, 0);
        FakeBrowser a = new FakeBrowser(c, "a");
        FakeBrowser b = new FakeBrowser(c, "b");
        for (int i = 0; i < 2; i++) {
            run(c, job("warm" + i, i)); // two quorums: both trusted now
        }
        a.lying = true;
        b.lying = true; // both turn at once, so no honest quorum partner catches them
        List<String> answeredByA = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ExecutionOutcome.Success o = (ExecutionOutcome.Success) run(c, job("bad" + i, i + 10));
            assertNotEquals(
                    Kernel.execute(job("bad" + i, i + 10).program()).toJson(),
                    o.result(),
                    "accepted unverified: the cost of trust");
            if (o.location().equals("browser/a")) {
                answeredByA.add("bad" + i);
            }
        }
        assertFalse(answeredByA.isEmpty());
        c.spotCheckNow("a"); // a known-answer check exposes it
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while ((a.closedWith == 0 || corrections.size() < answeredByA.size()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1008, a.closedWith);
        assertEquals(
                Set.copyOf(answeredByA), corrections.keySet(), "every unverified answer of the liar, and only those");
        for (String id : answeredByA) {
            int n = Integer.parseInt(id.substring(3)) + 10;
            assertEquals(Kernel.execute(job(id, n).program()), corrections.get(id));
        }
        assertEquals(answeredByA.size(), c.stats().corrected.get());
        assertEquals(0, b.closedWith, "b was not caught (yet): its unverified answers stand until it is");
    }

    @Test
    void aWindowOfAFanOutJobIsNeverTakenOnTrust() throws Exception {
        BrowserSubstrate c = coordinator(2, 0.0, 0);
        FakeBrowser a = new FakeBrowser(c, "a");
        FakeBrowser b = new FakeBrowser(c, "b");
        for (int i = 0; i < 2; i++) {
            run(c, job("warm" + i, i)); // two quorums: both trusted now
        }
        b.close(1000, "left");
        a.lying = true;
        long unverifiedBefore = c.stats().unverified.get();
        // (A plain job would be taken unverified with probability 1 - trustAfter / (2 run): see the test above.)
        ComputeJob j = job("w", 8);
        ComputeJob window = new ComputeJob(
                "p~w3",
                j.program(),
                null,
                null,
                false,
                false,
                "auto",
                null,
                true,
                null,
                List.of(),
                new dev.packetfs.dispatch.job.WindowRef("p", 3, false),
                false);
        assertRight(window, run(c, window));
        assertEquals(1008, a.closedWith, "its window answer was checked, and it was caught");
        assertEquals(0, c.stats().unverified.get() - unverifiedBefore, "nothing was taken on trust");
    }

    @Test
    void aLeaseOfAPageThatLeavesGoesToAnother() throws Exception {
        BrowserSubstrate c = coordinator(1, 0.0, 0);
        FakeBrowser a = new FakeBrowser(c, "a");
        FakeBrowser b = new FakeBrowser(c, "b");
        run(c, job("w", 1)); // one quorum: both trusted
        a.silent = true;
        b.silent = true;
        CompletableFuture<ExecutionOutcome> pending = c.execute(
                        new ExecutionRequest(job("moving", 7), Duration.ofSeconds(5)))
                .toCompletableFuture();
        FakeBrowser holder = a.leases.size() > 1 ? a : b;
        FakeBrowser other = holder == a ? b : a;
        other.silent = false;
        c.leave(holder.id);
        assertRight(job("moving", 7), pending.get(5, TimeUnit.SECONDS));
        assertEquals(1, c.stats().releases.get());
    }

    @Test
    void aDataUrlVolunteersMayNotFetchIsNeverLeasedAndGoesElsewhere() throws Exception {
        BrowserSettings settings = new BrowserSettings(2, 5, 0.05, 0, false, 1000, 100, Duration.ofMillis(10), 64);
        PublicAddressPolicy volunteers = PublicAddressPolicy.allowing(null);
        BrowserSubstrate c = new BrowserSubstrate(
                settings,
                p -> CompletableFuture.completedFuture(Kernel.execute(p)),
                corrections::put,
                program -> BrowserBeans.volunteerRefusal(volunteers, program),
                (url, timeout) -> CompletableFuture.completedFuture(null),
                Duration.ofSeconds(30));
        FakeBrowser b = new FakeBrowser(c, "b");
        Program intranet = new Program(Op.XOR, 0, "http://10.0.0.1/secret", null, 0, 16, OptionalLong.empty());
        ExecutionOutcome.Failure f = assertInstanceOf(
                ExecutionOutcome.Failure.class,
                run(c, ComputeJob.of("intranet", intranet).withPublic(true)));
        assertEquals(FailureKind.UNSUITABLE, f.kind(), "another substrate may run it; the job is not at fault");
        assertEquals(
                "data_url 10.0.0.1 (10.0.0.0/8, private): volunteers are never sent to such an address"
                        + " (packetfs.browser.allow-hosts exempts one)",
                f.message());
        assertTrue(b.leases.isEmpty(), "no volunteer was sent there");
        assertEquals(1, c.stats().refused.get());
    }

    /** Only literals and /etc/hosts names here: nothing is looked up on a network, nothing is fetched. */
    @Test
    void volunteersHaveTheirOwnAllowListAndItIsEmptyByDefault() {
        PublicAddressPolicy none = PublicAddressPolicy.allowing(null);
        for (String url : List.of(
                "http://127.0.0.1:8080/o",
                "http://[::1]/o",
                "http://169.254.169.254/latest",
                "http://[::ffff:10.1.2.3]/o",
                "http://localhost/o")) {
            Program p = new Program(Op.XOR, 0, url, null, 0, 16, OptionalLong.empty());
            String why = BrowserBeans.volunteerRefusal(none, p);
            assertTrue(why != null && why.contains("volunteers are never sent"), url + ": " + why);
        }
        assertTrue(BrowserBeans.volunteerRefusal(
                        none, new Program(Op.XOR, 0, "http://127.0.0.1/o", null, 0, 16, OptionalLong.empty()))
                .contains("127.0.0.0/8, loopback"));
        Program loopback = new Program(Op.XOR, 0, "http://127.0.0.1:9/o", null, 0, 16, OptionalLong.empty());
        assertEquals(null, BrowserBeans.volunteerRefusal(PublicAddressPolicy.allowing("127.0.0.1"), loopback));
        assertEquals(
                null,
                BrowserBeans.volunteerRefusal(
                        none, new Program(Op.XOR, 0, "http://93.184.215.14/o", null, 0, 16, OptionalLong.empty())));
    }

    @Test
    void misbehavingConnectionsAreClosed() {
        BrowserSubstrate c = coordinator(5, 0.05, 0);
        FakeBrowser garbage = new FakeBrowser(c, "garbage");
        c.message("garbage", "not json");
        assertEquals(1003, garbage.closedWith);
        FakeBrowser twice = new FakeBrowser(c, "twice");
        c.message("twice", "{\"type\":\"hello\",\"capabilities\":{\"concurrency\":4}}");
        assertEquals(1008, twice.closedWith);
        FakeBrowser chatty = new FakeBrowser(c, "chatty");
        for (int i = 0; i < 1001; i++) {
            c.message("chatty", "{\"type\":\"result\",\"lease\":\"nope\"}");
        }
        assertEquals(1008, chatty.closedWith);
        assertEquals(0, c.nodeCount());
        assertEquals(0, c.capacity());
    }

    @Test
    void oneAddressHoldsOnlySoManyConnections() {
        BrowserSubstrate c = coordinator(5, 0.05, 0);
        List<Integer> closed = new CopyOnWriteArrayList<>();
        NodeLink link = new NodeLink() {
            @Override
            public void send(String json) {}

            @Override
            public void close(int code, String reason) {
                closed.add(code);
            }
        };
        for (int i = 0; i < 5; i++) {
            c.join("n" + i, link, "203.0.113.7");
        }
        assertEquals(3, c.nodeCount());
        assertEquals(List.of(1008, 1008), closed);
        c.join("other", link, "203.0.113.8");
        assertEquals(4, c.nodeCount(), "another address has its own allowance");
        c.leave("n0");
        c.leave("n3"); // a refused connection closing changes nothing
        c.join("n5", link, "203.0.113.7");
        assertEquals(4, c.nodeCount(), "a connection that left makes room for one");
        c.join("n6", link, "203.0.113.7");
        assertEquals(List.of(1008, 1008, 1008), closed);
    }

    @Test
    void theCensusIsOneShardOfThisDispatchersVolunteers() throws Exception {
        BrowserSubstrate c = coordinator(5, 0.05, 0);
        assertEquals("dispatcher", c.coordinator());
        assertEquals(List.of(new VolunteerCensus.Shard("0", 0, 0, 0)), c.shards());
        FakeBrowser quiet = new FakeBrowser(c, "quiet", 3);
        quiet.silent = true;
        new FakeBrowser(c, "other", 1);
        CompletableFuture<ExecutionOutcome> held = c.execute(
                        new ExecutionRequest(job("held", 1), Duration.ofSeconds(5)))
                .toCompletableFuture();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (quiet.leases.isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "the silent browser was leased to");
            Thread.sleep(5);
        }
        VolunteerCensus.Shard shard = c.shards().get(0);
        assertEquals(2, shard.volunteers());
        assertEquals(3, shard.slots(), "two of the three asked for, at most two a node, and one");
        assertTrue(shard.busy() >= 1, shard.toString());
        c.leave("quiet");
        held.get(10, TimeUnit.SECONDS);
        VolunteerCensus.Shard after = c.shards().get(0);
        assertEquals(List.of(1, 1), List.of(after.volunteers(), after.slots()), after.toString());
    }

    @Test
    void eachJobsFirstLeaseRoundTripIsTold() throws Exception {
        BrowserSubstrate c = coordinator(5, 0.05, 0);
        List<Long> told = new CopyOnWriteArrayList<>();
        c.stats().leaseRoundTrip = told::add;
        new FakeBrowser(c, "a");
        new FakeBrowser(c, "b");
        for (int i = 0; i < 3; i++) {
            assertRight(job("rt" + i, i), run(c, job("rt" + i, i)));
        }
        assertEquals(3, told.size(), "one a job, the quorum's second lease not among them: " + told);
        assertTrue(told.stream().allMatch(n -> n > 0), told.toString());
    }
}
