package dev.packetfs.dispatch.substrate.browser;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/** What the volunteers did and what verifying them cost and found, for /q/metrics and the README's figures. */
public final class BrowserStats {
    public final AtomicLong jobs = new AtomicLong();
    public final AtomicLong leases = new AtomicLong();
    public final AtomicLong quorums = new AtomicLong();
    public final AtomicLong recomputes = new AtomicLong();
    public final AtomicLong unverified = new AtomicLong();
    public final AtomicLong spotChecks = new AtomicLong();
    public final AtomicLong caught = new AtomicLong();
    public final AtomicLong corrected = new AtomicLong();
    public final AtomicLong releases = new AtomicLong();
    /** Jobs whose data_url volunteers may not be sent to: never leased. */
    public final AtomicLong refused = new AtomicLong();
    /**
     * Told each job's first lease round trip, in nanoseconds: from asking the coordinator to its
     * answer (waiting for a free volunteer included).
     */
    volatile LongConsumer leaseRoundTrip = nanos -> {};
}
