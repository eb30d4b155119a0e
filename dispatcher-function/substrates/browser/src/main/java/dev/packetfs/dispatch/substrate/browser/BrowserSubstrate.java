package dev.packetfs.dispatch.substrate.browser;

import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.ExecutionOutcome;
import dev.packetfs.dispatch.substrate.ExecutionOutcome.FailureKind;
import dev.packetfs.dispatch.substrate.ExecutionRequest;
import dev.packetfs.dispatch.substrate.HealthReport;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.SubstrateCapability;
import dev.packetfs.dispatch.substrate.VolunteerCensus;
import dev.packetfs.kernel.Program;
import dev.packetfs.protocol.fetch.FetchException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
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
public final class BrowserSubstrate implements SubstrateAdapter, VolunteerCensus {
    public static final String NAME = "browser";

    private final VolunteerAddressCheck addresses;
    private final VersionPin pin;
    private final SubstrateCapability capability;
    private final BrowserStats stats = new BrowserStats();
    private final VolunteerPool leases;
    private final TrustPolicy trust;
    /** The coordinator's side of the volunteer protocol; null when the volunteers are at the edge. */
    private final CoordinatorProtocol protocol;

    private final TrustedRecompute trusted;
    private final ExecutorService checks = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "packetfs-browser-address-check");
        t.setDaemon(true);
        return t;
    });

    public BrowserSubstrate(
            BrowserSettings settings,
            TrustedRecompute trusted,
            ResultCorrector corrector,
            VolunteerAddressCheck addresses,
            VersionPin pin,
            Duration maxDuration) {
        this(settings, trusted, corrector, addresses, pin, maxDuration, null, null);
    }

    /**
     * The substrate with its volunteers at the edge coordinator ({@code coordinator}, the Worker's
     * base URL), leased to with the worker token: they join the Worker's {@code /browser}, not this
     * dispatcher's.
     */
    public static BrowserSubstrate atEdge(
            BrowserSettings settings,
            TrustedRecompute trusted,
            ResultCorrector corrector,
            VolunteerAddressCheck addresses,
            VersionPin pin,
            Duration maxDuration,
            URI coordinator,
            String token) {
        return new BrowserSubstrate(settings, trusted, corrector, addresses, pin, maxDuration, coordinator, token);
    }

    private BrowserSubstrate(
            BrowserSettings settings,
            TrustedRecompute trusted,
            ResultCorrector corrector,
            VolunteerAddressCheck addresses,
            VersionPin pin,
            Duration maxDuration,
            URI edge,
            String token) {
        this.addresses = addresses;
        this.pin = pin;
        this.trusted = trusted;
        this.capability = new SubstrateCapability(
                NAME,
                0,
                settings.expectedLatency(),
                256,
                maxDuration.toMillis(),
                false,
                false,
                Integer.MAX_VALUE,
                false);
        if (edge == null) {
            Leases local = new Leases(settings, stats);
            this.leases = local;
            this.trust = new TrustPolicy(settings, local, trusted, corrector, stats);
            this.protocol = new CoordinatorProtocol(settings, local, trust);
        } else {
            EdgeVolunteers remote = new EdgeVolunteers(edge, token, settings, stats);
            this.leases = remote;
            this.trust = new TrustPolicy(settings, remote, trusted, corrector, stats);
            this.protocol = null;
            remote.onMalformed(trust::caught);
        }
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
    private static final Optional<HealthReport> NO_VOLUNTEERS = Optional.of(HealthReport.idle("no volunteers"));

    @Override
    public Optional<HealthReport> currentHealth() {
        return leases.slots() > 0 ? UP : NO_VOLUNTEERS;
    }

    public int nodeCount() {
        return leases.nodeCount();
    }

    /** A job's first lease, its round trip told to the stats. */
    private CompletableFuture<Leases.Answer> leaseTimed(Program program, long deadline) {
        long asked = System.nanoTime();
        return leases.lease(program, deadline, Set.of()).whenComplete((answer, error) -> {
            if (error == null) {
                stats.leaseRoundTrip.accept(System.nanoTime() - asked);
            }
        });
    }

    @Override
    public String coordinator() {
        return protocol == null ? "edge" : "dispatcher";
    }

    @Override
    public List<Shard> shards() {
        return leases.shards();
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
        Program submitted = request.job().program();
        stats.jobs.incrementAndGet();
        long start = System.nanoTime();
        long deadline = start + request.timeout().toNanos();
        // A data_url job with no version of its own is pinned to the one its object has now: the
        // reads that check a volunteer (a second browser, the dispatcher, a correction) must all
        // read what the first one read. A change seen then is this pin's, not the job's.
        boolean pinnedHere = submitted.dataUrl() != null && submitted.version() == null;
        // The address check may resolve a name: never on the caller's (an event loop's) thread.
        CompletableFuture<String> refusal = submitted.dataUrl() == null
                ? CompletableFuture.completedFuture(null)
                : CompletableFuture.supplyAsync(() -> addresses.refusal(submitted), checks);
        CompletableFuture<Program> pinned = refusal.thenCompose(why -> {
            if (why != null) {
                return CompletableFuture.failedFuture(new RefusedAddress(why));
            }
            if (!pinnedHere) {
                return CompletableFuture.completedFuture(submitted);
            }
            return pin.current(submitted.dataUrl(), Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))
                    .toCompletableFuture()
                    .handle((version, failed) -> version == null ? submitted : submitted.withVersion(version));
        });
        return pinned.thenCompose(program -> leaseTimed(program, deadline)
                        .thenCompose(answer -> trust.verify(
                                request.jobId(),
                                program,
                                answer,
                                deadline,
                                request.job().window() != null))
                        .exceptionallyCompose(error -> confirmChange(program, cause(error))))
                .handle((verified, error) -> {
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    if (error == null) {
                        return (ExecutionOutcome) new ExecutionOutcome.Success(
                                verified.result().toJson(),
                                verified.result().bytesProcessed(),
                                ms,
                                verified.billed(),
                                verified.where());
                    }
                    Throwable cause = cause(error);
                    FailureKind kind = cause instanceof Leases.NoVolunteer
                            ? FailureKind.THROTTLED
                            : cause instanceof RefusedAddress
                                    ? FailureKind.UNSUITABLE
                                    : changed(cause)
                                            ? (pinnedHere ? FailureKind.ORIGIN : FailureKind.OBJECT_CHANGED)
                                            : FailureKind.RETRYABLE;
                    if (kind == FailureKind.UNSUITABLE) {
                        stats.refused.incrementAndGet();
                    }
                    String message = changed(cause) && pinnedHere
                            ? "the object changed while volunteers read it, and is read again: " + cause.getMessage()
                            : cause.getMessage();
                    return new ExecutionOutcome.Failure(kind, message, ms, BilledUnits.NONE);
                });
    }

    /**
     * A volunteer that says the object changed is not taken at its word (it could say so of any
     * job to sink it): the dispatcher reads the window itself, under the same pin. Its answer is
     * the job's; its own {@code object_changed} is the change confirmed.
     */
    private CompletableFuture<TrustPolicy.Verified> confirmChange(Program program, Throwable cause) {
        if (!(cause instanceof VolunteerError v) || !v.objectChanged()) {
            return CompletableFuture.failedFuture(cause);
        }
        stats.recomputes.incrementAndGet();
        return trusted.run(program)
                .toCompletableFuture()
                .thenApply(truth ->
                        new TrustPolicy.Verified(truth, "browser/" + v.node() + "+verified", BilledUnits.NONE));
    }

    private static Throwable cause(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    /** The dispatcher's own read found the pinned version gone. */
    private static boolean changed(Throwable cause) {
        return cause instanceof FetchException f && f.kind() == FetchException.Kind.OBJECT_CHANGED;
    }

    // -- connections: the coordinator's WebSocket hands each event over -------------------------

    /**
     * A browser connected; it gets work once it has said hello. With the volunteers at the edge it
     * is closed at once ({@code 1008}), saying so: it should join the edge coordinator.
     */
    public void join(String nodeId, NodeLink link, String address) {
        if (protocol == null) {
            link.close(1008, "this dispatcher's volunteers join its edge coordinator");
            return;
        }
        protocol.join(nodeId, link, address);
    }

    /** A browser disconnected: its leases go to other browsers. */
    public void leave(String nodeId) {
        if (protocol != null) {
            protocol.leave(nodeId);
        }
    }

    /** One message from a browser. */
    public void message(String nodeId, String text) {
        if (protocol != null) {
            protocol.message(nodeId, text);
        }
    }

    /** The edge coordinator's stats read now (tests); a no-op for the dispatcher's own volunteers. */
    void refreshVolunteers() {
        if (leases instanceof EdgeVolunteers edge) {
            edge.refresh();
        }
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
        leases.close();
    }
}
