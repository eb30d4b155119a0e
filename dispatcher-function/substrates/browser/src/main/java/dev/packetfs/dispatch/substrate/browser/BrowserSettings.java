package dev.packetfs.dispatch.substrate.browser;

import java.time.Duration;

/**
 * How the coordinator leases and verifies.
 *
 * @param maxNodeConcurrency leases one browser holds at once, whatever it declares
 * @param trustAfter consecutive verified results before a node is verified only sometimes
 * @param minVerifyProbability the least share of a trusted node's results still verified
 * @param spotCheckRate after an unverified acceptance, the chance of a known-answer check
 * @param distinctAddresses whether a quorum's two browsers must connect from different addresses
 * @param maxMessagesPerSecond messages answering no lease of its own that one connection may send
 *     a second before it is closed
 * @param unverifiedKept per node, the unverified acceptances remembered for re-running
 * @param maxConnectionsPerAddress connections one IP address may hold; more are closed with 1008
 */
public record BrowserSettings(
        int maxNodeConcurrency,
        int trustAfter,
        double minVerifyProbability,
        double spotCheckRate,
        boolean distinctAddresses,
        int maxMessagesPerSecond,
        int unverifiedKept,
        Duration expectedLatency,
        int maxConnectionsPerAddress) {

    public static BrowserSettings defaults() {
        return new BrowserSettings(4, 10, 0.05, 0.02, true, 200, 10_000, Duration.ofMillis(50), 64);
    }
}
