package dev.packetfs.dispatch.substrate;

import java.util.List;

/**
 * A substrate whose workers are volunteers held by a coordinator: how many are connected, per
 * shard of that coordinator, for the books' readers (GET /metrics, the dashboards). The
 * dispatcher's own coordinator is one shard; the edge coordinator has as many as its Durable
 * Objects.
 */
public interface VolunteerCensus {

    /** {@code dispatcher} (this process's WebSocket) or {@code edge} (the Worker's Durable Objects). */
    String coordinator();

    /** Each shard's count, in shard order; as of the coordinator's last report. */
    List<Shard> shards();

    /** One shard: its volunteers, their slots, and the slots computing a lease now. */
    record Shard(String shard, int volunteers, int slots, int busy) {}
}
