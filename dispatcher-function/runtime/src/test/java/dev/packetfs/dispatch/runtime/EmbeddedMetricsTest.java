package dev.packetfs.dispatch.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.substrate.VolunteerCensus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;
import software.amazon.cloudwatchlogs.emf.sinks.ISink;

/**
 * The documents the dispatcher writes for CloudWatch, read back as CloudWatch would read them:
 * the names, dimension and units the cost dashboard (infra) charts.
 */
class EmbeddedMetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Keeps what the library serializes instead of writing it to standard output. */
    private static final class Captured implements Environment, ISink {
        final List<JsonNode> documents = new ArrayList<>();

        @Override
        public void accept(MetricsContext context) {
            try {
                for (String line : context.serialize()) {
                    documents.add(JSON.readTree(line));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public CompletableFuture<Void> shutdown() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public boolean probe() {
            return true;
        }

        @Override
        public String getName() {
            return "test";
        }

        @Override
        public String getType() {
            return "test";
        }

        @Override
        public String getLogGroupName() {
            return "test";
        }

        @Override
        public void configureContext(MetricsContext context) {}

        @Override
        public ISink getSink() {
            return this;
        }
    }

    private static ExecutionRecord record(String substrate, String failure, long latencyMs, long costPico, long bytes) {
        return new ExecutionRecord("j", substrate, failure, latencyMs, costPico, bytes, Instant.now());
    }

    @Test
    void eachSubstrateGetsOneDocumentOfSumsAndLatenciesAndTheDeadLettersAGauge() {
        Captured out = new Captured();
        EmbeddedMetrics metrics = new EmbeddedMetrics(out, () -> 7);
        metrics.record(record("lambda", null, 12, 250_000_000L, 1000));
        metrics.record(record("lambda", "RETRYABLE", 30, 50_000_000L, 0));
        metrics.record(record("lambda", "THROTTLED", 5, 0, 0));
        metrics.record(record("local", null, 1, 0, 64));
        metrics.flush();

        Map<String, JsonNode> bySubstrate = new HashMap<>();
        JsonNode gauge = null;
        for (JsonNode d : out.documents) {
            JsonNode directive = d.get("_aws").get("CloudWatchMetrics").get(0);
            assertEquals("PacketFS", directive.get("Namespace").asText());
            if (d.has("Substrate")) {
                assertEquals("[[\"Substrate\"]]", directive.get("Dimensions").toString());
                bySubstrate.put(d.get("Substrate").asText(), d);
            } else {
                assertEquals("[[]]", directive.get("Dimensions").toString(), "a metric without dimensions");
                gauge = d;
            }
        }
        JsonNode lambda = bySubstrate.get("lambda");
        assertEquals(3, lambda.get("Executions").asLong());
        assertEquals(1, lambda.get("Failures").asLong());
        assertEquals(1, lambda.get("Throttles").asLong());
        assertEquals(1000, lambda.get("Bytes").asLong());
        assertEquals(0.0003, lambda.get("CostUsd").asDouble(), 1e-12);
        assertEquals("[12,30,5]", lambda.get("LatencyMs").toString().replace(".0", ""));
        assertEquals(1, bySubstrate.get("local").get("Executions").asLong());
        assertEquals(7, gauge.get("DeadLetters").asLong());
        Map<String, String> units = new HashMap<>();
        lambda.get("_aws")
                .get("CloudWatchMetrics")
                .get(0)
                .get("Metrics")
                .forEach(m -> units.put(m.get("Name").asText(), m.path("Unit").asText()));
        assertEquals(
                Map.of(
                        "Executions",
                        "Count",
                        "Failures",
                        "Count",
                        "Throttles",
                        "Count",
                        "Bytes",
                        "Bytes",
                        "CostUsd",
                        "None",
                        "LatencyMs",
                        "Milliseconds"),
                units);
    }

    @Test
    void aFlushWritesOnlyWhatCameSinceTheLastOne() {
        Captured out = new Captured();
        EmbeddedMetrics metrics = new EmbeddedMetrics(out, () -> 0);
        metrics.record(record("flyio", null, 3, 1, 1));
        metrics.flush();
        metrics.flush();
        long substrateDocuments =
                out.documents.stream().filter(d -> d.has("Substrate")).count();
        assertEquals(1, substrateDocuments, "the second flush had nothing per substrate to write");
        assertTrue(
                out.documents.stream().filter(d -> d.has("DeadLetters")).count() == 2,
                "the gauge is written every time");
    }

    @Test
    void theVolunteersOfEachShardAreAGaugeWithTheShardAsDimension() {
        Captured out = new Captured();
        EmbeddedMetrics metrics = new EmbeddedMetrics(
                out,
                () -> 0,
                () -> List.of(new VolunteerCensus.Shard("0", 3, 9, 2), new VolunteerCensus.Shard("1", 0, 0, 0)));
        metrics.flush();
        Map<String, JsonNode> byShard = new HashMap<>();
        for (JsonNode d : out.documents) {
            if (d.has("Shard")) {
                assertEquals(
                        "[[\"Shard\"]]",
                        d.get("_aws")
                                .get("CloudWatchMetrics")
                                .get(0)
                                .get("Dimensions")
                                .toString());
                byShard.put(d.get("Shard").asText(), d);
            }
        }
        assertEquals(Set.of("0", "1"), byShard.keySet(), "an empty shard is written too: its line drops to 0");
        assertEquals(3, byShard.get("0").get("Volunteers").asLong());
        assertEquals(9, byShard.get("0").get("VolunteerSlots").asLong());
        assertEquals(0, byShard.get("1").get("Volunteers").asLong());
    }

    @Test
    void aCountIsWrittenAtOnceWithoutADimension() {
        Captured out = new Captured();
        new EmbeddedMetrics(out, () -> 0).count("DrainStartFailures", 1);
        assertEquals(1, out.documents.size());
        JsonNode doc = out.documents.get(0);
        assertEquals(1, doc.get("DrainStartFailures").asLong());
        JsonNode directive = doc.get("_aws").get("CloudWatchMetrics").get(0);
        assertEquals("PacketFS", directive.get("Namespace").asText());
        assertEquals(0, directive.get("Dimensions").get(0).size(), "no dimension");
        assertEquals("Count", directive.get("Metrics").get(0).get("Unit").asText());
    }
}
