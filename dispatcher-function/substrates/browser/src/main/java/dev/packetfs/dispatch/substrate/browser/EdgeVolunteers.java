package dev.packetfs.dispatch.substrate.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.dispatch.substrate.VolunteerCensus;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The volunteers the edge coordinator holds (worker-cloudflare's Durable Objects,
 * docs/volunteer-protocol.md, "The edge coordinator"), leased to over HTTPS with the worker token.
 * The coordinator only relays; what the trust policy knows of a node (its record of verified
 * answers, what it was trusted with) is kept here, by node id, for the nodes whose answers this
 * dispatcher has seen. The capacity comes from the coordinator's stats, read every two seconds.
 */
final class EdgeVolunteers implements VolunteerPool {
    private static final Logger LOG = LoggerFactory.getLogger(EdgeVolunteers.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Trust records kept; past it the least recently seen node starts again as a new one. */
    private static final int NODES_KEPT = 100_000;
    /** Time for the answer to travel back after a lease's deadline. */
    private static final Duration GRACE = Duration.ofSeconds(5);

    private final URI coordinator;
    private final String token;
    private final BrowserSettings settings;
    private final BrowserStats stats;
    private final HttpClient http;
    private final Map<String, VolunteerNode> nodes =
            Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, VolunteerNode> eldest) {
                    return size() > NODES_KEPT;
                }
            });
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "packetfs-edge-volunteers");
        t.setDaemon(true);
        return t;
    });
    private volatile int slots;
    private volatile int volunteers;
    private volatile List<VolunteerCensus.Shard> shards = List.of();
    private volatile BiConsumer<VolunteerNode, String> malformed = (node, why) -> {};

    /** A lease the coordinator ended because its volunteer left: it may go to another. */
    private static final class Left extends RuntimeException {
        final String node;

        Left(String node, String message) {
            super(message, null, false, false);
            this.node = node;
        }
    }

    EdgeVolunteers(URI coordinator, String token, BrowserSettings settings, BrowserStats stats) {
        this.coordinator = coordinator;
        this.token = token;
        this.settings = settings;
        this.stats = stats;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        poller.scheduleWithFixedDelay(this::readStats, 0, 2, TimeUnit.SECONDS);
    }

    /** Who is told of a malformed answer: the trust policy, which catches its node. */
    void onMalformed(BiConsumer<VolunteerNode, String> caught) {
        this.malformed = caught;
    }

    @Override
    public CompletableFuture<Leases.Answer> lease(Program program, long deadline, Set<String> excluded) {
        return leaseExcluding(program, deadline, excluded, Set.of());
    }

    /** Leases through the coordinator; a volunteer that leaves mid-lease passes it to another, as at home. */
    private CompletableFuture<Leases.Answer> leaseExcluding(
            Program program, long deadline, Set<String> excluded, Set<String> addresses) {
        ObjectNode body = leaseBody(program, deadline);
        excluded.forEach(body.putArray("exclude_nodes")::add);
        addresses.forEach(body.putArray("exclude_addresses")::add);
        return send(program, body, deadline).exceptionallyCompose(error -> {
            Throwable cause =
                    error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (!(cause instanceof Left left) || System.nanoTime() >= deadline) {
                return CompletableFuture.failedFuture(cause);
            }
            stats.releases.incrementAndGet();
            Set<String> more = new HashSet<>(excluded);
            more.add(left.node);
            return leaseExcluding(program, deadline, more, addresses);
        });
    }

    @Override
    public CompletableFuture<Leases.Answer> second(
            Program program, long deadline, VolunteerNode first, boolean distinctAddress) {
        return leaseExcluding(program, deadline, Set.of(first.id), distinctAddress ? Set.of(first.address) : Set.of())
                .handle((answer, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                        if (cause instanceof Leases.NoVolunteer) {
                            return null; // nobody independent is free: the dispatcher checks instead
                        }
                        throw error instanceof CompletionException c ? c : new CompletionException(error);
                    }
                    stats.quorums.incrementAndGet();
                    return answer;
                });
    }

    @Override
    public CompletableFuture<KernelResult> check(VolunteerNode node, Program program, long deadline) {
        ObjectNode body = leaseBody(program, deadline);
        body.put("node", node.id);
        return send(program, body, deadline).thenApply(Leases.Answer::result);
    }

    private ObjectNode leaseBody(Program program, long deadline) {
        ObjectNode body = JSON.createObjectNode();
        body.set("program", ProgramJson.write(program));
        body.put("deadline_ms", Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        return body;
    }

    /** One lease request; completes with the volunteer's answer, or fails as the coordinator says. */
    private CompletableFuture<Leases.Answer> send(Program program, ObjectNode body, long deadline) {
        stats.leases.incrementAndGet();
        long remaining = Math.max(1, deadline - System.nanoTime());
        HttpRequest request = HttpRequest.newBuilder(coordinator.resolve("/browser/lease"))
                .timeout(Duration.ofNanos(remaining).plus(GRACE))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> answer(program, response));
    }

    private Leases.Answer answer(Program program, HttpResponse<String> response) {
        JsonNode reply = parse(response.body());
        String nodeId = reply.path("node").asText("");
        String error = reply.path("error").asText("the edge coordinator answered HTTP " + response.statusCode());
        switch (response.statusCode()) {
            case 200 -> {
                VolunteerNode node = nodes.computeIfAbsent(
                        nodeId,
                        id -> new VolunteerNode(
                                id,
                                new EdgeLink(id),
                                reply.path("address").asText("unknown"),
                                settings.unverifiedKept(),
                                settings.maxMessagesPerSecond()));
                if (reply.has("result")) {
                    try {
                        return new Leases.Answer(
                                node, KernelResult.fromJson(program.op(), reply.get("result")), billed(reply));
                    } catch (RuntimeException e) {
                        malformed.accept(node, "malformed result " + abbreviate(String.valueOf(reply.get("result"))));
                        throw new IllegalStateException(nodeId + " sent a malformed result");
                    }
                }
                throw new VolunteerError(nodeId, reply.path("error_code").asText(""), abbreviate(error));
            }
            case 429 -> throw new Leases.NoVolunteer("no volunteer at the edge coordinator has a free slot");
            case 502 -> throw new Left(nodeId, abbreviate(error));
            case 504 -> throw new CompletionException(new TimeoutException(abbreviate(error)));
            default ->
                throw new IllegalStateException("the edge coordinator refused a lease: HTTP " + response.statusCode()
                        + " " + abbreviate(error));
        }
    }

    /** What the coordinator says Cloudflare billed for the lease: its units as they are. */
    private static BilledUnits billed(JsonNode reply) {
        Map<String, Double> units = new TreeMap<>();
        reply.path("billed").fields().forEachRemaining(e -> {
            if (e.getValue().isNumber() && e.getValue().asDouble() >= 0) {
                units.put(e.getKey(), e.getValue().asDouble());
            }
        });
        return new BilledUnits(units);
    }

    @Override
    public void credit(VolunteerNode node) {
        node.credit(settings.trustAfter());
    }

    @Override
    public void disconnect(VolunteerNode node, String reason) {
        node.retire(settings.trustAfter());
        node.link.close(1008, reason);
    }

    /**
     * The volunteers' slots, from the coordinator's last stats. It keeps no trust records, so
     * every slot counts as untrusted: the substrate offers half of them, as a quorum may need the
     * other half.
     */
    @Override
    public int slots() {
        return slots;
    }

    @Override
    public int untrustedSlots() {
        return slots;
    }

    @Override
    public int nodeCount() {
        return volunteers;
    }

    @Override
    public VolunteerNode node(String id) {
        return nodes.get(id);
    }

    private void readStats() {
        HttpRequest request = HttpRequest.newBuilder(coordinator.resolve("/browser/stats"))
                .timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + token)
                .GET()
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode s = parse(response.body());
            if (response.statusCode() != 200) {
                LOG.warn(
                        "the edge coordinator's stats: HTTP {} {}", response.statusCode(), abbreviate(response.body()));
                unknown();
                return;
            }
            slots = s.path("slots").asInt(0);
            volunteers = s.path("volunteers").asInt(0);
            List<VolunteerCensus.Shard> each = new ArrayList<>();
            for (JsonNode shard : s.path("shards")) {
                each.add(new VolunteerCensus.Shard(
                        shard.path("shard").asText(),
                        shard.path("volunteers").asInt(0),
                        shard.path("slots").asInt(0),
                        shard.path("busy").asInt(0)));
            }
            shards = List.copyOf(each);
        } catch (IOException e) {
            LOG.warn("the edge coordinator's stats: {}", e.toString());
            unknown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The coordinator cannot be asked: nobody counts as connected. */
    private void unknown() {
        slots = 0;
        volunteers = 0;
        shards = List.of();
    }

    @Override
    public List<VolunteerCensus.Shard> shards() {
        return shards;
    }

    /** Reads the coordinator's stats now, not at the next tick (tests; a dispatcher starting). */
    void refresh() {
        readStats();
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    /** A node at the edge: nothing is sent to it from here but the word to close it. */
    private final class EdgeLink implements NodeLink {
        private final String node;

        EdgeLink(String node) {
            this.node = node;
        }

        @Override
        public void send(String json) {
            throw new UnsupportedOperationException("leases reach edge volunteers through the coordinator");
        }

        @Override
        public void close(int code, String reason) {
            ObjectNode body = JSON.createObjectNode();
            body.put("node", node);
            body.put("reason", reason);
            HttpRequest request = HttpRequest.newBuilder(coordinator.resolve("/browser/close"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                    .build();
            http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                if (error != null || response.statusCode() != 200) {
                    LOG.warn(
                            "could not have the edge coordinator close browser {}: {}",
                            node,
                            error != null ? error.toString() : "HTTP " + response.statusCode());
                }
            });
        }
    }
}
