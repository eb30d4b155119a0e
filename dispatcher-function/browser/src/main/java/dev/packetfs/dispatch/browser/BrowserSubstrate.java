package dev.packetfs.dispatch.browser;

import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionRequest;
import dev.packetfs.dispatch.substrate.HealthReport;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.SubstrateCapability;
import dev.packetfs.kernel.Program;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The {@code browser} substrate: volunteer browsers connected to the coordinator's WebSocket. Its
 * capacity is what the live nodes declare, so it grows and shrinks as pages come and go. A job is
 * first checked against the volunteers' address rules (a refused {@code data_url} is never
 * leased), then leased to one node ({@link Leases}), and its answer is used as the
 * {@link TrustPolicy} says. Connections speak the {@link CoordinatorProtocol}.
 */
public final class BrowserSubstrate implements SubstrateAdapter {
    public static final String NAME = "browser";

    private final VolunteerAddressCheck addresses;
    private final SubstrateCapability capability;
    private final BrowserStats stats = new BrowserStats();
    private final Leases leases;
    private final TrustPolicy trust;
    private final CoordinatorProtocol protocol;
    private final ExecutorService checks = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "packetfs-browser-address-check");
        t.setDaemon(true);
        return t;
    });

    public BrowserSubstrate(BrowserSettings settings, TrustedRecompute trusted, ResultCorrector corrector,
            VolunteerAddressCheck addresses, Duration maxDuration) {
        this.addresses = addresses;
        this.capability = new SubstrateCapability(NAME, 0, settings.expectedLatency(), 256, maxDuration.toMillis(), false,
                false, Integer.MAX_VALUE, false);
        this.leases = new Leases(settings, stats);
        this.trust = new TrustPolicy(settings, leases, trusted, corrector, stats);
        this.protocol = new CoordinatorProtocol(settings, leases, trust);
    }

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
        int all = leases.slots();
        return Math.max(Math.min(1, all), all - (leases.untrustedSlots() + 1) / 2);
    }

    @Override
    public CompletionStage<HealthReport> health() {
        return CompletableFuture.completedFuture(currentHealth().orElseThrow());
    }

    // Read by the selector on every acquire: no allocation.
    private static final Optional<HealthReport> UP = Optional.of(HealthReport.up());
    private static final Optional<HealthReport> NO_VOLUNTEERS =
            Optional.of(HealthReport.idle("no volunteers"));

    @Override
    public Optional<HealthReport> currentHealth() {
        return leases.slots() > 0 ? UP : NO_VOLUNTEERS;
    }

    public int nodeCount() {
        return leases.nodeCount();
    }

    /** {slots, untrusted slots}, for tests. */
    int[] slotCounts() {
        return new int[] {leases.slots(), leases.untrustedSlots()};
    }

    public BrowserStats stats() {
        return stats;
    }

    /** A data_url volunteers may not fetch: the job is never leased, and runs elsewhere if it may. */
    private static final class RefusedAddress extends RuntimeException {
        RefusedAddress(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public CompletionStage<ExecutionOutcome> execute(ExecutionRequest request) {
        Program program = request.job().program();
        stats.jobs.incrementAndGet();
        long start = System.nanoTime();
        long deadline = start + request.timeout().toNanos();
        // The address check may resolve a name: never on the caller's (an event loop's) thread.
        CompletableFuture<String> refusal = program.dataUrl() == null ? CompletableFuture.completedFuture(null)
                : CompletableFuture.supplyAsync(() -> addresses.refusal(program), checks);
        return refusal.thenCompose(why -> why == null ? leases.lease(program, deadline, Set.of())
                        : CompletableFuture.failedFuture(new RefusedAddress(why)))
                .thenCompose(answer -> trust.verify(request.jobId(), program, answer, deadline,
                        request.job().window() != null))
                .handle((verified, error) -> {
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    if (error == null) {
                        return (ExecutionOutcome) new ExecutionOutcome.Success(verified.result().toJson(),
                                verified.result().bytesProcessed(), ms, BilledUnits.NONE, verified.where());
                    }
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    FailureKind kind = cause instanceof Leases.NoVolunteer ? FailureKind.THROTTLED
                            : cause instanceof RefusedAddress ? FailureKind.UNSUITABLE : FailureKind.RETRYABLE;
                    if (kind == FailureKind.UNSUITABLE) {
                        stats.refused.incrementAndGet();
                    }
                    return new ExecutionOutcome.Failure(kind, cause.getMessage(), ms, BilledUnits.NONE);
                });
    }

    // -- connections: the coordinator's WebSocket hands each event over -------------------------

    /** A browser connected; it gets work once it has said hello. */
    public void join(String nodeId, NodeLink link, String address) {
        protocol.join(nodeId, link, address);
    }

    /** A browser disconnected: its leases go to other browsers. */
    public void leave(String nodeId) {
        protocol.leave(nodeId);
    }

    /** One message from a browser. */
    public void message(String nodeId, String text) {
        protocol.message(nodeId, text);
    }

    /** A known-answer check of one node now (tests; an operator's console). */
    void spotCheckNow(String nodeId) {
        VolunteerNode node = leases.node(nodeId);
        if (node != null) {
            trust.spotCheck(node);
        }
    }

    @Override
    public void close() {
        checks.shutdownNow();
        for (VolunteerNode n : leases.nodes()) {
            n.link.close(1001, "the dispatcher is stopping");
        }
        leases.close();
    }
}
