package dev.packetfs.dispatch.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionRequest;
import dev.packetfs.dispatch.substrate.HealthReport;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.SubstrateCapability;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramJson;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code browser} substrate: volunteer browsers connected to the coordinator's WebSocket. Its
 * capacity is what the live nodes declare, so it grows and shrinks as pages come and go. A job is
 * leased to one node with a deadline; a node that leaves hands its leases to another.
 *
 * <p>Browsers are untrusted, and no answer is used unverified unless the node earned it
 * (README "Trust"): a new node's answer needs a second, independent browser to agree (or the
 * dispatcher's own kernel when no second browser is free); a node with {@code trustAfter}
 * consecutive verified answers is verified with probability {@code trustAfter / run}, never below
 * {@code minVerifyProbability}, and gets known-answer spot checks. Two answers that disagree are
 * settled by the dispatcher's kernel. A node caught with a wrong answer is disconnected and every
 * answer it gave that was accepted unverified is recomputed and, where wrong, corrected.
 */
public final class BrowserSubstrate implements SubstrateAdapter {
    public static final String NAME = "browser";
    private static final Logger LOG = LoggerFactory.getLogger(BrowserSubstrate.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SPOT_CHECK_BYTES = 4096;
    /** Nodes looked at for one pick before giving up (a quorum may rule many out). */
    private static final int PICK_SCAN = 256;

    private final BrowserSettings settings;
    private final TrustedRecompute trusted;
    private final ResultCorrector corrector;
    private final Predicate<Program> volunteersMayFetch;
    private final SubstrateCapability capability;
    private final Map<String, VolunteerNode> nodes = new ConcurrentHashMap<>();
    /** Nodes with a free slot, in turn: picking is O(1), not a scan of every connection. */
    private final ConcurrentLinkedDeque<VolunteerNode> ready =
            new ConcurrentLinkedDeque<>();
    private final ConcurrentLinkedDeque<Waiter> waiters = new ConcurrentLinkedDeque<>();
    /** Slots of the live nodes, and of those among them not yet trusted. */
    private final AtomicInteger slots = new AtomicInteger();
    private final AtomicInteger untrustedSlots = new AtomicInteger();
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final AtomicLong leaseIds = new AtomicLong();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "packetfs-browser-leases");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService checks = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "packetfs-browser-address-check");
        t.setDaemon(true);
        return t;
    });
    final Stats stats = new Stats();

    /** What verification cost and found, for /metrics and the README's figures. */
    public static final class Stats {
        public final AtomicLong jobs = new AtomicLong();
        public final AtomicLong leases = new AtomicLong();
        public final AtomicLong quorums = new AtomicLong();
        public final AtomicLong recomputes = new AtomicLong();
        public final AtomicLong unverified = new AtomicLong();
        public final AtomicLong spotChecks = new AtomicLong();
        public final AtomicLong caught = new AtomicLong();
        public final AtomicLong corrected = new AtomicLong();
        public final AtomicLong releases = new AtomicLong();
    }

    /**
     * @param volunteersMayFetch whether a {@code data_url} may be handed to browsers (the
     *     dispatcher's address rules: a volunteer must not be made to fetch from its own network)
     */
    public BrowserSubstrate(BrowserSettings settings, TrustedRecompute trusted, ResultCorrector corrector,
            Predicate<Program> volunteersMayFetch, Duration maxDuration) {
        this.settings = settings;
        this.trusted = trusted;
        this.corrector = corrector;
        this.volunteersMayFetch = volunteersMayFetch;
        this.capability = new SubstrateCapability(NAME, 0, settings.expectedLatency(), 256, maxDuration.toMillis(), false,
                false, Integer.MAX_VALUE, false);
    }

    // -- the substrate --------------------------------------------------------------------------

    @Override
    public SubstrateCapability capability() {
        return capability;
    }

    /**
     * Slots of the live nodes, less half the slots of nodes not yet trusted: their answers need a
     * second browser, and that lease needs a slot too. One slot always counts: a lone new node's
     * answers are checked by the dispatcher instead.
     */
    @Override
    public int capacity() {
        int all = slots.get();
        return Math.max(Math.min(1, all), all - (untrustedSlots.get() + 1) / 2);
    }

    @Override
    public CompletionStage<HealthReport> health() {
        return CompletableFuture.completedFuture(currentHealth().orElseThrow());
    }

    // Read by the selector on every acquire: no allocation.
    private static final Optional<HealthReport> UP = Optional.of(HealthReport.up());
    private static final Optional<HealthReport> NO_VOLUNTEERS =
            Optional.of(HealthReport.down("no volunteer browser is connected"));

    @Override
    public Optional<HealthReport> currentHealth() {
        return slots.get() > 0 ? UP : NO_VOLUNTEERS;
    }

    public int nodeCount() {
        return nodes.size();
    }

    /** {slots, untrusted slots}, for tests. */
    int[] slotCounts() {
        return new int[] {slots.get(), untrustedSlots.get()};
    }

    public Stats stats() {
        return stats;
    }

    @Override
    public CompletionStage<ExecutionOutcome> execute(ExecutionRequest request) {
        Program program = request.job().program();
        stats.jobs.incrementAndGet();
        long start = System.nanoTime();
        long deadline = start + request.timeout().toNanos();
        // The address check may resolve a name: never on the caller's (an event loop's) thread.
        CompletableFuture<Boolean> allowed = program.dataUrl() == null ? CompletableFuture.completedFuture(true)
                : CompletableFuture.supplyAsync(() -> volunteersMayFetch.test(program), checks);
        return allowed.thenCompose(ok -> ok ? lease(program, deadline, Set.of())
                        : CompletableFuture.failedFuture(new RefusedAddress()))
                .thenCompose(answer -> verify(request.jobId(), program, answer, deadline))
                .handle((verified, error) -> {
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    if (error == null) {
                        return (ExecutionOutcome) new ExecutionOutcome.Success(verified.result().toJson(),
                                verified.result().bytesProcessed(), ms, BilledUnits.NONE, verified.where());
                    }
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    FailureKind kind = cause instanceof NoVolunteer ? FailureKind.THROTTLED
                            : cause instanceof RefusedAddress ? FailureKind.JOB_ERROR : FailureKind.RETRYABLE;
                    return new ExecutionOutcome.Failure(kind, "browser: " + cause.getMessage(), ms, BilledUnits.NONE);
                });
    }

    /** An answer and whether it was checked. */
    private record Verified(KernelResult result, String where) {}

    /** One node's answer to one lease. */
    private record Answer(VolunteerNode node, KernelResult result) {}

    private CompletableFuture<Verified> verify(String jobId, Program program, Answer first, long deadline) {
        VolunteerNode a = first.node();
        if (!needsVerification(a)) {
            stats.unverified.incrementAndGet();
            a.acceptedUnverified(new VolunteerNode.Unverified(jobId, program, first.result()));
            maybeSpotCheck(a);
            return CompletableFuture.completedFuture(new Verified(first.result(), "browser/" + a.id));
        }
        Set<String> notA = Set.of(a.id);
        Predicate<VolunteerNode> independent = n -> !n.id.equals(a.id)
                && (!settings.distinctAddresses() || !n.address.equals(a.address));
        VolunteerNode b = pick(independent, false);
        if (b == null) {
            return recomputeAgainst(program, List.of(first));
        }
        stats.quorums.incrementAndGet();
        return leaseTo(b, program, deadline, notA, independent)
                .handle((second, error) -> second)
                .thenCompose(second -> {
                    if (second == null) {
                        return recomputeAgainst(program, List.of(first));
                    }
                    if (second.result().equals(first.result())) {
                        credit(a);
                        credit(second.node());
                        return CompletableFuture.completedFuture(new Verified(first.result(),
                                "browser/" + a.id + "+" + second.node().id));
                    }
                    return recomputeAgainst(program, List.of(first, second));
                });
    }

    /** The dispatcher's own answer decides; a node whose answer differs is caught. */
    private CompletableFuture<Verified> recomputeAgainst(Program program, List<Answer> answers) {
        stats.recomputes.incrementAndGet();
        return trusted.run(program).toCompletableFuture().thenApply(truth -> {
            for (Answer x : answers) {
                if (x.result().equals(truth)) {
                    credit(x.node());
                } else {
                    caught(x.node(), program.op() + " answer " + x.result().toJson() + " where the dispatcher computed "
                            + truth.toJson());
                }
            }
            return new Verified(truth, "browser/" + answers.get(0).node().id + "+verified");
        });
    }

    private void credit(VolunteerNode n) {
        untrustedSlots.addAndGet(-n.credit(settings.trustAfter()));
    }

    private boolean needsVerification(VolunteerNode n) {
        int run = n.validRun();
        if (run < settings.trustAfter()) {
            return true;
        }
        // Half at the moment of trust, a tenth after five times as many, never below the floor.
        double p = Math.max(settings.minVerifyProbability(), settings.trustAfter() / (2.0 * run));
        return ThreadLocalRandom.current().nextDouble() < p;
    }

    /** Now and then, a job whose answer is known already, to keep a trusted node honest. */
    private void maybeSpotCheck(VolunteerNode node) {
        if (ThreadLocalRandom.current().nextDouble() < settings.spotCheckRate()) {
            spotCheck(node);
        }
    }

    /** A known-answer check of one node now (tests; an operator's console). */
    void spotCheckNow(String nodeId) {
        VolunteerNode node = nodes.get(nodeId);
        if (node != null) {
            spotCheck(node);
        }
    }

    private void spotCheck(VolunteerNode node) {
        if (!node.tryTake(true)) {
            return;
        }
        stats.spotChecks.incrementAndGet();
        byte[] data = new byte[SPOT_CHECK_BYTES];
        ThreadLocalRandom.current().nextBytes(data);
        Op op = Op.values()[ThreadLocalRandom.current().nextInt(Op.values().length)];
        Program check = new Program(op, ThreadLocalRandom.current().nextInt(256), null, data, 0, Program.TO_END,
                OptionalLong.empty());
        KernelResult known = Kernel.execute(check);
        send(node, check, System.nanoTime() + TimeUnit.SECONDS.toNanos(30)).whenComplete((answer, error) -> {
            if (error == null && !answer.equals(known)) {
                caught(node, "spot check: " + op + " answer " + answer.toJson() + ", known " + known.toJson());
            } else if (error == null) {
                credit(node);
            }
        });
    }

    // -- leases ---------------------------------------------------------------------------------

    private static final class NoVolunteer extends RuntimeException {
        NoVolunteer(String message) {
            super(message, null, false, false);
        }
    }

    private static final class RefusedAddress extends RuntimeException {
        RefusedAddress() {
            super("data_url names an address volunteers may not be sent to", null, false, false);
        }
    }

    private static final class NodeLeft extends RuntimeException {
        NodeLeft(String message) {
            super(message, null, false, false);
        }
    }

    private final class Lease {
        final String id;
        final VolunteerNode node;
        final Program program;
        final CompletableFuture<KernelResult> answer = new CompletableFuture<>();
        ScheduledFuture<?> timeout;

        Lease(VolunteerNode node, Program program) {
            this.id = Long.toString(leaseIds.incrementAndGet(), 36);
            this.node = node;
            this.program = program;
        }

        /**
         * Ends the lease once: its slot is free again before anyone waiting on the answer runs,
         * so the execution that answer completes finds the slot it frees.
         */
        void end(KernelResult result, Throwable error) {
            if (leases.remove(id) == null) {
                return;
            }
            if (timeout != null) {
                timeout.cancel(false);
            }
            node.release();
            makeReady(node);
            serveWaiters();
            if (error == null) {
                answer.complete(result);
            } else {
                answer.completeExceptionally(error);
            }
        }
    }

    /** A lease waiting for a slot: verification and spot checks use slots the dispatcher does not count. */
    private record Waiter(Program program, long deadline, Set<String> excluded, CompletableFuture<Answer> answer) {}

    /**
     * Leases the program to the next free node, waiting for a slot to free if none is (until the
     * deadline); if the node leaves, to another.
     */
    private CompletableFuture<Answer> lease(Program program, long deadline, Set<String> excluded) {
        VolunteerNode node = pick(n -> !excluded.contains(n.id), false);
        if (node != null) {
            return leaseTo(node, program, deadline, excluded, n -> true);
        }
        if (slots.get() == 0) {
            return CompletableFuture.failedFuture(new NoVolunteer("no volunteer browser is connected"));
        }
        Waiter w = new Waiter(program, deadline, excluded, new CompletableFuture<>());
        waiters.add(w);
        timers.schedule(() -> {
            if (waiters.remove(w)) {
                w.answer().completeExceptionally(new NoVolunteer("no volunteer slot freed in time"));
            }
        }, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS);
        serveWaiters(); // a slot may have freed since the pick
        return w.answer();
    }

    /** Hands freed slots to waiting leases, oldest first. */
    private void serveWaiters() {
        for (Waiter w; (w = waiters.peek()) != null; ) {
            Set<String> excluded = w.excluded();
            VolunteerNode node = pick(n -> !excluded.contains(n.id), false);
            if (node == null) {
                return;
            }
            if (!waiters.remove(w)) { // timed out, or served by another thread, meanwhile
                node.release();
                makeReady(node);
                continue;
            }
            CompletableFuture<Answer> answer = w.answer();
            leaseTo(node, w.program(), w.deadline(), excluded, n -> true).whenComplete((a, e) -> {
                if (e == null) {
                    answer.complete(a);
                } else {
                    answer.completeExceptionally(e);
                }
            });
        }
    }

    /** With the last volunteer gone, nobody will free a slot: waiting leases fail now. */
    private void failWaitersIfNoneLeft() {
        if (slots.get() > 0) {
            return;
        }
        for (Waiter w; (w = waiters.poll()) != null; ) {
            w.answer().completeExceptionally(new NoVolunteer("the last volunteer browser left"));
        }
    }

    private CompletableFuture<Answer> leaseTo(VolunteerNode node, Program program, long deadline, Set<String> excluded,
            Predicate<VolunteerNode> eligible) {
        return send(node, program, deadline).thenApply(result -> new Answer(node, result))
                .exceptionallyCompose(error -> {
                    Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                    if (!(cause instanceof NodeLeft) || System.nanoTime() >= deadline) {
                        return CompletableFuture.failedFuture(cause);
                    }
                    // The page went away mid-lease: the lease goes to another browser.
                    stats.releases.incrementAndGet();
                    Set<String> more = new HashSet<>(excluded);
                    more.add(node.id);
                    VolunteerNode next = pick(n -> !more.contains(n.id) && eligible.test(n), false);
                    if (next == null) {
                        return CompletableFuture.failedFuture(new NodeLeft(cause.getMessage() + ", and no other volunteer is free"));
                    }
                    return leaseTo(next, program, deadline, more, eligible);
                });
    }

    /** Sends one lease to a node that holds a slot for it; completes with its answer. */
    private CompletableFuture<KernelResult> send(VolunteerNode node, Program program, long deadline) {
        Lease lease = new Lease(node, program);
        leases.put(lease.id, lease);
        stats.leases.incrementAndGet();
        long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        lease.timeout = timers.schedule(() -> lease.end(null, new TimeoutException(
                "browser " + node.id + " did not answer in " + remainingMs + " ms")), remainingMs, TimeUnit.MILLISECONDS);
        ObjectNode message = JSON.createObjectNode();
        message.put("type", "lease");
        message.put("lease", lease.id);
        message.set("program", ProgramJson.write(program));
        message.put("deadline_ms", remainingMs);
        node.link.send(message.toString());
        if (node.gone()) {
            lease.end(null, new NodeLeft("browser " + node.id + " left"));
        }
        return lease.answer;
    }

    /**
     * The next eligible node with a free slot, its slot taken; null if none. Nodes come off the
     * ready queue in turn, so load spreads; ineligible ones go back where they were.
     */
    private VolunteerNode pick(Predicate<VolunteerNode> eligible, boolean overCapacity) {
        List<VolunteerNode> passed = new ArrayList<>();
        VolunteerNode found = null;
        for (int i = 0; i < PICK_SCAN && found == null; i++) {
            VolunteerNode n = ready.pollFirst();
            if (n == null) {
                break;
            }
            n.dequeued();
            if (eligible.test(n) && n.tryTake(overCapacity)) {
                found = n;
                makeReady(n);
            } else {
                passed.add(n);
            }
        }
        for (int i = passed.size() - 1; i >= 0; i--) {
            if (passed.get(i).enqueueIfFree()) {
                ready.addFirst(passed.get(i));
            }
        }
        return found;
    }

    private void makeReady(VolunteerNode n) {
        if (n.enqueueIfFree()) {
            ready.addLast(n);
        }
    }

    // -- connections ------------------------------------------------------------------------------

    /** A browser connected; it gets work once it has said hello. */
    public void join(String nodeId, NodeLink link, String address) {
        nodes.put(nodeId, new VolunteerNode(nodeId, link, address, settings.unverifiedKept(), settings.maxMessagesPerSecond()));
    }

    /** A browser disconnected: its leases go to other browsers. */
    public void leave(String nodeId) {
        VolunteerNode node = nodes.remove(nodeId);
        if (node != null) {
            retire(node);
            failLeasesOf(node, "browser " + nodeId + " left");
        }
    }

    /** Takes a node's slots out of the capacity, once. */
    private void retire(VolunteerNode node) {
        int[] freed = node.retire(settings.trustAfter());
        if (freed != null) {
            slots.addAndGet(-freed[0]);
            untrustedSlots.addAndGet(-freed[1]);
            failWaitersIfNoneLeft();
        }
    }

    /**
     * One message from a browser; anything malformed or unexpected closes it, and so do more than
     * {@code maxMessagesPerSecond} a second of messages that answer no lease of its own (answers
     * are bounded by the leases it is given; the rest is what a flood would be made of).
     */
    public void message(String nodeId, String text) {
        VolunteerNode node = nodes.get(nodeId);
        if (node == null) {
            return;
        }
        JsonNode message;
        try {
            message = JSON.readTree(text);
        } catch (IOException e) {
            drop(node, 1003, "messages are JSON");
            return;
        }
        Lease answered = leases.get(message.path("lease").asText(""));
        if ((answered == null || answered.node != node) && !node.admitMessage()) {
            drop(node, 1008, "more than " + settings.maxMessagesPerSecond() + " unsolicited messages a second");
            return;
        }
        switch (message.path("type").asText("")) {
            case "hello" -> hello(node, message);
            case "result" -> answer(node, message, true);
            case "error" -> answer(node, message, false);
            default -> drop(node, 1008, "unknown message type " + abbreviate(message.path("type").asText("")));
        }
    }

    private void hello(VolunteerNode node, JsonNode message) {
        if (node.concurrency() > 0) {
            drop(node, 1008, "said hello twice");
            return;
        }
        JsonNode caps = message.path("capabilities");
        int declared = caps.path("concurrency").asInt(1);
        int concurrency = Math.max(1, Math.min(settings.maxNodeConcurrency(), declared));
        if (!node.declare(concurrency, abbreviate(caps.path("ua_class").asText("unknown")))) {
            return;
        }
        slots.addAndGet(concurrency);
        untrustedSlots.addAndGet(concurrency);
        makeReady(node);
        serveWaiters();
        ObjectNode welcome = JSON.createObjectNode();
        welcome.put("type", "welcome");
        welcome.put("node", node.id);
        welcome.put("concurrency", concurrency);
        node.link.send(welcome.toString());
        LOG.debug("browser {} joined from {} ({}, {} slots)", node.id, node.address, node.userAgentClass(), concurrency);
    }

    private void answer(VolunteerNode node, JsonNode message, boolean ok) {
        Lease lease = leases.get(message.path("lease").asText(""));
        if (lease == null || lease.node != node) {
            // Late answers to leases already timed out or re-leased are normal; answers to
            // leases never given to this node are not, but cost nothing: ignore both.
            return;
        }
        if (!ok) {
            lease.end(null, new RuntimeException(node.id + ": "
                    + abbreviate(message.path("error").asText("failed"))));
            return;
        }
        KernelResult result;
        try {
            result = KernelResult.fromJson(lease.program.op(), message.get("result"));
        } catch (RuntimeException e) {
            lease.end(null, new RuntimeException(node.id + " sent a malformed result"));
            caught(node, "malformed result " + abbreviate(String.valueOf(message.get("result"))));
            return;
        }
        lease.end(result, null);
    }

    /** A node that gave a wrong answer: disconnected, and everything it was trusted with recomputed. */
    private void caught(VolunteerNode node, String why) {
        nodes.remove(node.id);
        retire(node);
        // Even a node that left already: what it was trusted with is re-run.
        List<VolunteerNode.Unverified> trustedWith = node.catchLying();
        if (trustedWith == null) {
            return;
        }
        stats.caught.incrementAndGet();
        LOG.warn("browser {} from {} caught: {}; disconnecting it", node.id, node.address, why);
        node.link.close(1008, "a result failed verification");
        failLeasesOf(node, "browser " + node.id + " was disconnected");
        for (VolunteerNode.Unverified u : trustedWith) {
            trusted.run(u.program()).whenComplete((truth, error) -> {
                if (error != null) {
                    LOG.warn("re-running job {} after browser {} was caught failed: {}", u.jobId(), node.id, error.toString());
                } else if (!truth.equals(u.result())) {
                    stats.corrected.incrementAndGet();
                    corrector.correct(u.jobId(), truth);
                }
            });
        }
    }

    private void drop(VolunteerNode node, int code, String why) {
        LOG.info("closing browser {}: {}", node.id, why);
        node.link.close(code, why);
        leave(node.id);
    }

    private void failLeasesOf(VolunteerNode node, String why) {
        for (Lease lease : leases.values()) {
            if (lease.node == node) {
                lease.end(null, new NodeLeft(why));
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    @Override
    public void close() {
        timers.shutdownNow();
        checks.shutdownNow();
        for (VolunteerNode n : nodes.values()) {
            n.link.close(1001, "the dispatcher is stopping");
        }
        nodes.clear();
    }
}
