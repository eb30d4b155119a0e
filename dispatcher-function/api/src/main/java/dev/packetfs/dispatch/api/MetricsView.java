package dev.packetfs.dispatch.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.engine.Dispatcher;
import dev.packetfs.dispatch.fanout.FanOutProgress;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.ledger.LedgerSnapshot;
import dev.packetfs.dispatch.ledger.SeriesRange;
import dev.packetfs.dispatch.ledger.SeriesReport;
import dev.packetfs.dispatch.ledger.SubstrateReport;
import dev.packetfs.dispatch.ledger.SubstrateTotals;
import dev.packetfs.dispatch.queue.QueueBooks;
import dev.packetfs.dispatch.queue.QueueDepth;
import dev.packetfs.dispatch.select.SubstrateSelector;
import dev.packetfs.dispatch.select.SubstrateState;
import dev.packetfs.dispatch.substrate.VolunteerCensus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The body of {@code GET /metrics} (and of each event of {@code /metrics/stream}): per substrate
 * the books shared by every dispatcher on the queue and this dispatcher's live view, the queue's
 * depth, the fan-out jobs in progress, and with a range the per-substrate series.
 */
@ApplicationScoped
public class MetricsView {
    /** Fan-out jobs in progress shown at most. */
    static final int FANOUTS_SHOWN = 20;

    @Inject
    QueueBooks books;

    @Inject
    SubstrateSelector selector;

    @Inject
    Dispatcher dispatcher;

    /** @param range null: no series */
    public ObjectNode metrics(SeriesRange range) {
        Instant now = Instant.now();
        LedgerSnapshot ledger = books.ledger();
        Map<String, SubstrateReport> reports = new TreeMap<>(SubstrateReport.of(ledger));
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
        QueueDepth depth = books.depth();
        ObjectNode q = root.putObject("queue");
        q.put("ingress", depth.ingress());
        q.put("ready", depth.ready());
        q.put("in_flight", depth.inFlight());
        q.put("delayed", depth.delayed());
        q.put("dead", depth.dead());
        root.put("in_flight_here", dispatcher.inFlight());
        volunteers().ifPresent(v -> root.set("volunteers", v));
        ArrayNode fanOuts = root.putArray("fanouts");
        for (FanOutProgress p : books.fanOuts(FANOUTS_SHOWN)) {
            ObjectNode node = JobJson.MAPPER.createObjectNode().put("job_id", p.parentId());
            node.setAll(p.toJson());
            fanOuts.add(node);
        }
        if (range != null) {
            SeriesReport.Window w = SeriesReport.window(range, now.getEpochSecond());
            root.set(
                    "series",
                    SeriesReport.of(
                            range,
                            now.getEpochSecond(),
                            books.series(range.resolution(), w.fromPeriod(), w.toPeriod()),
                            ledger.totals(),
                            reports.keySet()));
        }
        root.put("generated_at", now.toString());
        return root;
    }

    /**
     * The volunteers per shard of their coordinator, when a substrate of this dispatcher has them
     * (the {@code browser} substrate; at the edge, as of the coordinator's last report).
     */
    private Optional<ObjectNode> volunteers() {
        return selector.volunteers().map(s -> censusJson(s.capability().name(), (VolunteerCensus) s.adapter()));
    }

    static ObjectNode censusJson(String substrate, VolunteerCensus census) {
        ObjectNode node = JobJson.MAPPER.createObjectNode();
        node.put("substrate", substrate);
        node.put("coordinator", census.coordinator());
        ArrayNode shards = node.putArray("shards");
        int volunteers = 0;
        int slots = 0;
        int busy = 0;
        for (VolunteerCensus.Shard s : census.shards()) {
            shards.addObject()
                    .put("shard", s.shard())
                    .put("volunteers", s.volunteers())
                    .put("slots", s.slots())
                    .put("busy", s.busy());
            volunteers += s.volunteers();
            slots += s.slots();
            busy += s.busy();
        }
        node.put("volunteers", volunteers);
        node.put("slots", slots);
        node.put("busy", busy);
        return node;
    }

    private ObjectNode live(SubstrateState s) {
        ObjectNode node = JobJson.MAPPER.createObjectNode();
        node.put("healthy", s.health().healthy());
        node.put("status", s.health().status());
        node.put("health", s.health().detail());
        node.put("breaker", s.breakerState().name().toLowerCase());
        node.put("latency_ewma_ms", Math.round(s.latencyMs() * 100) / 100.0);
        node.put("failure_rate_ewma", Math.round(s.failureRate() * 1000) / 1000.0);
        node.put("in_flight", s.inFlight());
        node.put("capacity", s.adapter().capacity());
        node.put("score", Math.round(selector.score(s) * 100) / 100.0);
        node.put("cost_per_hour_usd", s.capability().costPerHourUsd());
        return node;
    }
}
