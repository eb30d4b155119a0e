package dev.packetfs.dispatch.substrate.browser;

import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Program;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * One connected browser: what it declared, the leases it holds, how far it is trusted, and the
 * results it gave that were accepted without verification (re-run if it is ever caught lying).
 */
final class VolunteerNode {
    /** A result accepted on trust, kept so it can be recomputed and corrected. */
    record Unverified(String jobId, Program program, KernelResult result) {}

    final String id;
    final NodeLink link;
    final String address;
    private int concurrency;
    private int active;
    private int validRun;
    private boolean gone;
    private boolean caught;
    private boolean ready;
    private String userAgentClass = "unknown";
    private final Deque<Unverified> unverified = new ArrayDeque<>();
    private final int unverifiedKept;
    private final int maxMessagesPerSecond;
    private long windowStart = System.nanoTime();
    private int messagesInWindow;

    VolunteerNode(String id, NodeLink link, String address, int unverifiedKept, int maxMessagesPerSecond) {
        this.id = id;
        this.link = link;
        this.address = address;
        this.unverifiedKept = unverifiedKept;
        this.maxMessagesPerSecond = maxMessagesPerSecond;
    }

    /** What the node said in its hello; false if it is gone already. */
    synchronized boolean declare(int concurrency, String userAgentClass) {
        if (gone) {
            return false;
        }
        this.concurrency = concurrency;
        this.userAgentClass = userAgentClass;
        return true;
    }

    synchronized int concurrency() {
        return gone ? 0 : concurrency;
    }

    synchronized String userAgentClass() {
        return userAgentClass;
    }

    /** Takes a lease slot; false when the node is full or gone. */
    synchronized boolean tryTake(boolean overCapacity) {
        if (gone || concurrency == 0 || (!overCapacity && active >= concurrency)) {
            return false;
        }
        active++;
        return true;
    }

    synchronized void release() {
        active = Math.max(0, active - 1);
    }

    /**
     * Marks the node as waiting in the coordinator's ready queue; true when the caller must put it
     * there (it has a free slot and was not queued already).
     */
    synchronized boolean enqueueIfFree() {
        if (ready || gone || concurrency == 0 || active >= concurrency) {
            return false;
        }
        ready = true;
        return true;
    }

    /** The node was taken off the ready queue. */
    synchronized void dequeued() {
        ready = false;
    }

    synchronized int validRun() {
        return validRun;
    }

    /**
     * A result of this node was checked and found right.
     *
     * @return the slots that just became trusted (its run reached {@code trustAfter}), else 0
     */
    synchronized int credit(int trustAfter) {
        validRun++;
        return validRun == trustAfter && !gone ? concurrency : 0;
    }

    synchronized void acceptedUnverified(Unverified u) {
        unverified.addLast(u);
        while (unverified.size() > unverifiedKept) {
            unverified.removeFirst();
        }
    }

    /**
     * Marks the node gone (it left, was dropped or caught). Returns the slots it took out of the
     * coordinator's capacity — {total, of them untrusted} — the first time, null after.
     */
    synchronized int[] retire(int trustAfter) {
        if (gone) {
            return null;
        }
        gone = true;
        return new int[] {concurrency, validRun < trustAfter ? concurrency : 0};
    }

    /**
     * Marks the node caught lying, once; returns the unverified results it gave (to be re-run),
     * or null if it was caught before.
     */
    synchronized List<Unverified> catchLying() {
        if (caught) {
            return null;
        }
        caught = true;
        List<Unverified> all = List.copyOf(unverified);
        unverified.clear();
        return all;
    }

    synchronized boolean gone() {
        return gone;
    }

    /** Counts one inbound message; false once the node sends more than it may per second. */
    synchronized boolean admitMessage() {
        long now = System.nanoTime();
        if (now - windowStart > 1_000_000_000L) {
            windowStart = now;
            messagesInWindow = 0;
        }
        return ++messagesInWindow <= maxMessagesPerSecond;
    }
}
