package dev.packetfs.dispatch.substrate.browser;

import dev.packetfs.dispatch.substrate.VolunteerCensus;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Program;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Where the {@code browser} substrate's leases go, and what {@link TrustPolicy} asks of it: the
 * volunteers this dispatcher holds on its own WebSocket ({@link Leases}), or those the edge
 * coordinator holds in Durable Objects. Everything that decides trust
 * stays in the policy; a pool only finds volunteers, leases to them, and disconnects the ones it is
 * told to.
 */
interface VolunteerPool extends AutoCloseable {

    /**
     * Leases {@code program} to a free volunteer not in {@code excluded} (node ids), until
     * {@code deadline} (System.nanoTime); fails with {@link Leases.NoVolunteer} when none is
     * connected or none frees a slot in time.
     */
    CompletableFuture<Leases.Answer> lease(Program program, long deadline, Set<String> excluded);

    /**
     * A quorum's second answer: from a volunteer other than {@code first}, and at another address
     * when {@code distinctAddress}. Completes with null when no such volunteer is free now.
     */
    CompletableFuture<Leases.Answer> second(
            Program program, long deadline, VolunteerNode first, boolean distinctAddress);

    /**
     * A known-answer check sent to {@code node} itself, over its free slots if need be; null when
     * it cannot take one (it is gone).
     */
    CompletableFuture<KernelResult> check(VolunteerNode node, Program program, long deadline);

    /** A verified answer of {@code node}: it is trusted a little more. */
    void credit(VolunteerNode node);

    /** {@code node} lied: its slots leave the capacity, its connection is closed with 1008, its leases end. */
    void disconnect(VolunteerNode node, String reason);

    /** Slots of the volunteers connected. */
    int slots();

    /** Slots of the volunteers connected that are not yet trusted. */
    int untrustedSlots();

    int nodeCount();

    /** The volunteers per shard of the coordinator holding them. */
    List<VolunteerCensus.Shard> shards();

    /** The node with this id, if this pool knows it. */
    VolunteerNode node(String id);

    /** The dispatcher is stopping. */
    @Override
    void close();
}
