package dev.packetfs.dispatch.queue;

/**
 * How much work is where.
 *
 * @param ingress raw jobs not yet moved into the queue proper (the LPUSH list)
 * @param ready jobs queued and not yet delivered
 * @param inFlight delivered and not yet settled
 * @param delayed retries waiting for their delay
 * @param dead dead letters kept
 */
public record QueueDepth(long ingress, long ready, long inFlight, long delayed, long dead) {}
