package dev.packetfs.dispatch.substrate.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramJson;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's side of the volunteer protocol (docs/volunteer-protocol.md): a browser says
 * {@code hello} with its capabilities and is welcomed; it is sent {@code lease}s and answers each
 * with a {@code result} or an {@code error}. Anything malformed or unexpected closes the
 * connection (1003 for what is not JSON, 1008 for the rest), and so do more than
 * {@code maxMessagesPerSecond} a second of messages that answer no lease of its own: answers are
 * bounded by the leases a node is given; the rest is what a flood is made of.
 */
final class CoordinatorProtocol {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorProtocol.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BrowserSettings settings;
    private final Leases leases;
    private final TrustPolicy trust;
    /** Connections open per remote address, for the per-address cap, and the address of each admitted one. */
    private final Map<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    private final Map<String, String> admitted = new ConcurrentHashMap<>();

    CoordinatorProtocol(BrowserSettings settings, Leases leases, TrustPolicy trust) {
        this.settings = settings;
        this.leases = leases;
        this.trust = trust;
    }

    /** The {@code lease} message: run {@code program} and answer within {@code deadlineMs}. */
    static String lease(String leaseId, Program program, long deadlineMs) {
        ObjectNode message = JSON.createObjectNode();
        message.put("type", "lease");
        message.put("lease", leaseId);
        message.set("program", ProgramJson.write(program));
        message.put("deadline_ms", deadlineMs);
        return message.toString();
    }

    /** A browser connected; it gets work once it has said hello. One address holds only so many connections. */
    void join(String nodeId, NodeLink link, String address) {
        AtomicInteger open = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
        if (open.incrementAndGet() > settings.maxConnectionsPerAddress()) {
            open.decrementAndGet();
            LOG.info("closing a connection from {}: it holds {} already", address, settings.maxConnectionsPerAddress());
            link.close(1008, "more than " + settings.maxConnectionsPerAddress() + " connections from one address");
            return;
        }
        admitted.put(nodeId, address);
        leases.add(
                new VolunteerNode(nodeId, link, address, settings.unverifiedKept(), settings.maxMessagesPerSecond()));
    }

    /** A browser disconnected: its leases go to other browsers. */
    void leave(String nodeId) {
        String address = admitted.remove(nodeId);
        if (address != null) {
            perAddress.computeIfPresent(address, (a, open) -> open.decrementAndGet() == 0 ? null : open);
        }
        VolunteerNode node = leases.node(nodeId);
        if (node != null) {
            leases.retire(node);
            leases.failLeasesOf(node, "browser " + nodeId + " left");
        }
    }

    /** One message from a browser. */
    void message(String nodeId, String text) {
        VolunteerNode node = leases.node(nodeId);
        if (node == null) {
            return;
        }
        JsonNode message;
        try {
            message = JSON.readTree(text);
        } catch (IOException e) {
            drop(node, 1003, "messages are JSON");
            return;
        }
        Leases.Lease answered = leases.heldBy(node, message.path("lease").asText(""));
        if (answered == null && !node.admitMessage()) {
            drop(node, 1008, "more than " + settings.maxMessagesPerSecond() + " unsolicited messages a second");
            return;
        }
        switch (message.path("type").asText("")) {
            case "hello" -> hello(node, message);
            case "result" -> answer(node, answered, message, true);
            case "error" -> answer(node, answered, message, false);
            default ->
                drop(
                        node,
                        1008,
                        "unknown message type "
                                + abbreviate(message.path("type").asText("")));
        }
    }

    private void hello(VolunteerNode node, JsonNode message) {
        if (node.concurrency() > 0) {
            drop(node, 1008, "said hello twice");
            return;
        }
        JsonNode caps = message.path("capabilities");
        int declared = caps.path("concurrency").asInt(1);
        int concurrency = Math.max(1, Math.min(settings.maxNodeConcurrency(), declared));
        if (!leases.open(node, concurrency, abbreviate(caps.path("ua_class").asText("unknown")))) {
            return;
        }
        ObjectNode welcome = JSON.createObjectNode();
        welcome.put("type", "welcome");
        welcome.put("node", node.id);
        welcome.put("concurrency", concurrency);
        node.link.send(welcome.toString());
        LOG.debug(
                "browser {} joined from {} ({}, {} slots)", node.id, node.address, node.userAgentClass(), concurrency);
    }

    /**
     * @param lease the lease answered, or null: late answers to leases already timed out or
     *     re-leased are normal, answers to leases never given to this node are not, but cost
     *     nothing; both are ignored
     */
    private void answer(VolunteerNode node, Leases.Lease lease, JsonNode message, boolean ok) {
        if (lease == null) {
            return;
        }
        if (!ok) {
            lease.end(
                    null,
                    new VolunteerError(
                            node.id,
                            message.path("error_code").asText(""),
                            node.id + ": " + abbreviate(message.path("error").asText("failed"))));
            return;
        }
        KernelResult result;
        try {
            result = KernelResult.fromJson(lease.program.op(), message.get("result"));
        } catch (RuntimeException e) {
            lease.end(null, new RuntimeException(node.id + " sent a malformed result"));
            trust.caught(node, "malformed result " + abbreviate(String.valueOf(message.get("result"))));
            return;
        }
        lease.end(result, null);
    }

    private void drop(VolunteerNode node, int code, String why) {
        LOG.info("closing browser {}: {}", node.id, why);
        node.link.close(code, why);
        leave(node.id);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
