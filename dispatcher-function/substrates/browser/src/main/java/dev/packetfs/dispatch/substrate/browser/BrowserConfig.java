package dev.packetfs.dispatch.substrate.browser;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code packetfs.browser.*}: the volunteer coordinator. */
@ConfigMapping(prefix = "packetfs.browser")
public interface BrowserConfig {

    /**
     * The edge coordinator's base URL: the Cloudflare Worker whose Durable Objects hold the
     * volunteers (docs/volunteer-protocol.md, "The edge coordinator"). Set, volunteers join there,
     * not at this dispatcher's {@code /browser}, and leases go to it over HTTPS with the worker
     * token. Unset (the default): volunteers join this dispatcher.
     */
    Optional<URI> edgeUrl();

    /** The token the edge coordinator takes; unset: the worker token ({@code packetfs.worker.token}). */
    Optional<String> edgeToken();

    /**
     * Page origins whose browsers may join (the {@code Origin} of the WebSocket handshake), e.g.
     * {@code https://example.org}; {@code *} for any page. Unset: only pages served by this
     * dispatcher. A handshake without {@code Origin} (not a browser) is let through.
     */
    Optional<List<String>> allowedOrigins();

    /**
     * Hosts and CIDRs volunteers may be sent to fetch from although they are loopback, private,
     * link-local or metadata addresses, comma-separated, as {@code packetfs.fetch.allow-hosts};
     * unset (the default): none. The trusted substrates' allow-list never applies to volunteers.
     */
    Optional<String> allowHosts();

    /** Leases one browser holds at once, whatever it declares. */
    @WithDefault("4")
    int maxNodeConcurrency();

    /** Consecutive verified answers before a node is verified only sometimes. */
    @WithDefault("10")
    int trustAfter();

    /** The least share of a trusted node's answers still verified. */
    @WithDefault("0.05")
    double minVerifyProbability();

    /** After an answer accepted unverified, the chance of a known-answer spot check. */
    @WithDefault("0.02")
    double spotCheckRate();

    /** Whether a quorum's two browsers must connect from different IP addresses. */
    @WithDefault("true")
    boolean distinctAddresses();

    /** Messages that answer no lease of its own one connection may send per second before it is closed. */
    @WithDefault("200")
    int maxMessagesPerSecond();

    /** Unverified answers remembered per node, to re-run if it is caught lying. */
    @WithDefault("10000")
    int unverifiedKept();

    @WithDefault("50ms")
    Duration expectedLatency();

    /**
     * Connections one IP address may hold at once (a household or an office behind one NAT has a
     * few browsers, not hundreds); more are closed with 1008 as they open.
     */
    @WithDefault("64")
    int maxConnectionsPerAddress();

    /** Longest job handed to browsers. */
    @WithDefault("60s")
    Duration maxDuration();
}
