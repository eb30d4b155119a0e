package dev.packetfs.dispatch.substrate.browser;

import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.VolunteerCensus;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Program;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Who has a free slot, and what each connected browser holds: a lease is one program sent to one
 * node with a deadline. Leases wait for a slot when every node is full, and move to another node
 * when theirs leaves. The live nodes' slots, and those of nodes not yet trusted, are counted here,
 * for the substrate's capacity.
 */
final class Leases implements VolunteerPool {
    /** Nodes looked at for one pick before giving up (a quorum may rule many out). */
    private static final int PICK_SCAN = 256;

    private final BrowserSettings settings;
    private final BrowserStats stats;
    private final Map<String, VolunteerNode> nodes = new ConcurrentHashMap<>();
    /** Nodes with a free slot, in turn: picking is O(1), not a scan of every connection. */
    private final ConcurrentLinkedDeque<VolunteerNode> ready = new ConcurrentLinkedDeque<>();

    private final ConcurrentLinkedDeque<Waiter> waiters = new ConcurrentLinkedDeque<>();
    private final AtomicInteger slots = new AtomicInteger();
    private final AtomicInteger untrustedSlots = new AtomicInteger();
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final AtomicLong leaseIds = new AtomicLong();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "packetfs-browser-leases");
        t.setDaemon(true);
        return t;
    });

    /** No node with a free slot, now or before the deadline. */
    static final class NoVolunteer extends RuntimeException {
        NoVolunteer(String message) {
            super(message, null, false, false);
        }
    }

    /** The node holding a lease went away before answering. */
    static final class NodeLeft extends RuntimeException {
        NodeLeft(String message) {
            super(message, null, false, false);
        }
    }

    /** One node's answer to one lease, and what the provider billed for the lease (nothing here; the edge's). */
    record Answer(VolunteerNode node, KernelResult result, BilledUnits billed) {}

    Leases(BrowserSettings settings, BrowserStats stats) {
        this.settings = settings;
        this.stats = stats;
    }

    // -- nodes ----------------------------------------------------------------------------------

    /** A browser connected; it holds no slot until {@link #open}. */
    void add(VolunteerNode node) {
        nodes.put(node.id, node);
    }

    @Override
    public VolunteerNode node(String id) {
        return nodes.get(id);
    }

    @Override
    public int nodeCount() {
        return nodes.size();
    }

    /** The node said hello: its slots count from now on, untrusted; false if it left meanwhile. */
    boolean open(VolunteerNode node, int concurrency, String userAgentClass) {
        if (!node.declare(concurrency, userAgentClass)) {
            return false;
        }
        slots.addAndGet(concurrency);
        untrustedSlots.addAndGet(concurrency);
        makeReady(node);
        serveWaiters();
        return true;
    }

    /** A verified answer: the node is trusted a little more, and maybe its slots no longer count as untrusted. */
    @Override
    public void credit(VolunteerNode node) {
        untrustedSlots.addAndGet(-node.credit(settings.trustAfter()));
    }

    /** The node is gone (it left, or was caught): its slots leave the capacity, once. */
    void retire(VolunteerNode node) {
        nodes.remove(node.id, node);
        int[] freed = node.retire(settings.trustAfter());
        if (freed != null) {
            slots.addAndGet(-freed[0]);
            untrustedSlots.addAndGet(-freed[1]);
            failWaitersIfNoneLeft();
        }
    }

    /** Every lease the node holds ends with {@link NodeLeft}: each goes to another node if it can. */
    void failLeasesOf(VolunteerNode node, String why) {
        for (Lease lease : leases.values()) {
            if (lease.node == node) {
                lease.end(null, new NodeLeft(why));
            }
        }
    }

    @Override
    public int slots() {
        return slots.get();
    }

    @Override
    public int untrustedSlots() {
        return untrustedSlots.get();
    }

    /** This dispatcher's WebSocket is one shard. */
    @Override
    public List<VolunteerCensus.Shard> shards() {
        return List.of(new VolunteerCensus.Shard("0", nodes.size(), slots.get(), leases.size()));
    }

    // -- leasing --------------------------------------------------------------------------------

    /** A lease held by a node, waiting for its answer. */
    final class Lease {
        final String id;
        final VolunteerNode node;
        final Program program;
        final CompletableFuture<KernelResult> answer = new CompletableFuture<>();
        ScheduledFuture<?> timeout;

        private Lease(VolunteerNode node, Program program) {
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

    /** The lease {@code id} if {@code node} holds it; null for one it does not (late, re-leased, or never its). */
    Lease heldBy(VolunteerNode node, String id) {
        Lease lease = leases.get(id);
        return lease != null && lease.node == node ? lease : null;
    }

    /** A lease waiting for a slot: verification and spot checks use slots the dispatcher does not count. */
    private record Waiter(Program program, long deadline, Set<String> excluded, CompletableFuture<Answer> answer) {}

    /**
     * Leases the program to the next free node, waiting for a slot to free if none is (until the
     * deadline); if the node leaves, to another.
     */
    @Override
    public CompletableFuture<Answer> lease(Program program, long deadline, Set<String> excluded) {
        VolunteerNode node = pick(n -> !excluded.contains(n.id), false);
        if (node != null) {
            return leaseTo(node, program, deadline, excluded, n -> true);
        }
        if (slots.get() == 0) {
            return CompletableFuture.failedFuture(new NoVolunteer("no volunteer browser is connected"));
        }
        Waiter w = new Waiter(program, deadline, excluded, new CompletableFuture<>());
        waiters.add(w);
        timers.schedule(
                () -> {
                    if (waiters.remove(w)) {
                        w.answer().completeExceptionally(new NoVolunteer("no volunteer slot freed in time"));
                    }
                },
                Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())),
                TimeUnit.MILLISECONDS);
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

    /** Leases to {@code node}, which holds a slot for it; if it leaves, to another eligible node. */
    CompletableFuture<Answer> leaseTo(
            VolunteerNode node,
            Program program,
            long deadline,
            Set<String> excluded,
            Predicate<VolunteerNode> eligible) {
        return send(node, program, deadline)
                .thenApply(result -> new Answer(node, result, BilledUnits.NONE))
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
                        return CompletableFuture.failedFuture(
                                new NodeLeft(cause.getMessage() + ", and no other volunteer is free"));
                    }
                    return leaseTo(next, program, deadline, more, eligible);
                });
    }

    /** Sends one lease to a node that holds a slot for it; completes with its answer. */
    CompletableFuture<KernelResult> send(VolunteerNode node, Program program, long deadline) {
        Lease lease = new Lease(node, program);
        leases.put(lease.id, lease);
        stats.leases.incrementAndGet();
        long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        lease.timeout = timers.schedule(
                () -> lease.end(
                        null, new TimeoutException("browser " + node.id + " did not answer in " + remainingMs + " ms")),
                remainingMs,
                TimeUnit.MILLISECONDS);
        node.link.send(CoordinatorProtocol.lease(lease.id, program, remainingMs));
        if (node.gone()) {
            lease.end(null, new NodeLeft("browser " + node.id + " left"));
        }
        return lease.answer;
    }

    @Override
    public CompletableFuture<Answer> second(
            Program program, long deadline, VolunteerNode first, boolean distinctAddress) {
        Predicate<VolunteerNode> independent =
                n -> !n.id.equals(first.id) && (!distinctAddress || !n.address.equals(first.address));
        VolunteerNode b = pick(independent, false);
        if (b == null) {
            return CompletableFuture.completedFuture(null);
        }
        stats.quorums.incrementAndGet();
        return leaseTo(b, program, deadline, Set.of(first.id), independent);
    }

    @Override
    public CompletableFuture<KernelResult> check(VolunteerNode node, Program program, long deadline) {
        return node.tryTake(true) ? send(node, program, deadline) : null;
    }

    @Override
    public void disconnect(VolunteerNode node, String reason) {
        retire(node);
        node.link.close(1008, reason);
        failLeasesOf(node, "browser " + node.id + " was disconnected");
    }

    /**
     * The next eligible node with a free slot, its slot taken; null if none. Nodes come off the
     * ready queue in turn, so load spreads; ineligible ones go back where they were.
     *
     * @param overCapacity whether a full node may take one more (spot checks)
     */
    VolunteerNode pick(Predicate<VolunteerNode> eligible, boolean overCapacity) {
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

    /** Every node still connected, for closing them. */
    List<VolunteerNode> nodes() {
        return List.copyOf(nodes.values());
    }

    /** Closes every connection ({@code 1001}: the dispatcher is stopping) and stops the timers. */
    @Override
    public void close() {
        for (VolunteerNode n : nodes()) {
            n.link.close(1001, "the dispatcher is stopping");
        }
        timers.shutdownNow();
        nodes.clear();
    }
}
