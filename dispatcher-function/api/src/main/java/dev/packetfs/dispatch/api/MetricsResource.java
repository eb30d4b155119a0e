package dev.packetfs.dispatch.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.engine.Dispatcher;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.ledger.SubstrateReport;
import dev.packetfs.dispatch.ledger.SubstrateTotals;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.QueueDepth;
import dev.packetfs.dispatch.select.SubstrateSelector;
import dev.packetfs.dispatch.select.SubstrateState;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /metrics}: per substrate, the books (jobs, successes, failures, p50/p95/p99 latency,
 * total cost, cost per GB) shared by every dispatcher on the queue, and this dispatcher's live
 * view (health, breaker, observed latency, failure rate, score). Prometheus metrics are at
 * {@code /q/metrics}.
 */
@Path("/metrics")
@Produces(MediaType.APPLICATION_JSON)
public class MetricsResource {

    @Inject
    JobQueue queue;

    @Inject
    SubstrateSelector selector;

    @Inject
    Dispatcher dispatcher;

    @GET
    public ObjectNode metrics() {
        Map<String, SubstrateReport> reports = new TreeMap<>(SubstrateReport.of(queue.ledger()));
        for (String name : selector.names()) {
            reports.putIfAbsent(name, new SubstrateReport(SubstrateTotals.empty(name), 0, 0, 0, 0));
        }
        ObjectNode root = JobJson.MAPPER.createObjectNode();
        ObjectNode substrates = root.putObject("substrates");
        long totalPico = 0;
        for (Map.Entry<String, SubstrateReport> e : reports.entrySet()) {
            ObjectNode node = e.getValue().toJson();
            selector.state(e.getKey()).ifPresent(s -> node.set("live", live(s)));
            substrates.set(e.getKey(), node);
            totalPico += e.getValue().totals().costPicoUsd();
        }
        root.put("total_cost_usd", JobJson.usd(totalPico));
        QueueDepth depth = queue.depth();
        ObjectNode q = root.putObject("queue");
        q.put("ingress", depth.ingress());
        q.put("ready", depth.ready());
        q.put("in_flight", depth.inFlight());
        q.put("delayed", depth.delayed());
        q.put("dead", depth.dead());
        root.put("in_flight_here", dispatcher.inFlight());
        root.put("generated_at", Instant.now().toString());
        return root;
    }

    private ObjectNode live(SubstrateState s) {
        ObjectNode node = JobJson.MAPPER.createObjectNode();
        node.put("healthy", s.health().healthy());
        node.put("health", s.health().detail());
        node.put("breaker", s.breakerState().name().toLowerCase());
        node.put("latency_ewma_ms", Math.round(s.latencyMs() * 100) / 100.0);
        node.put("failure_rate_ewma", Math.round(s.failureRate() * 1000) / 1000.0);
        node.put("in_flight", s.inFlight());
        node.put("score", Math.round(selector.score(s) * 100) / 100.0);
        node.put("cost_per_hour_usd", s.capability().costPerHourUsd());
        return node;
    }
}
