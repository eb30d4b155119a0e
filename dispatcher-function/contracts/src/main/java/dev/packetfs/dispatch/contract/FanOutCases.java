package dev.packetfs.dispatch.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.fanout.FanOutLimits;
import dev.packetfs.dispatch.fanout.FanOutMerge;
import dev.packetfs.dispatch.fanout.FanOutProgress;
import dev.packetfs.dispatch.fanout.FanOutRules;
import dev.packetfs.dispatch.fanout.WindowPlan;
import dev.packetfs.dispatch.fanout.WindowTemplate;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.job.WindowRef;
import dev.packetfs.dispatch.ledger.ExecutionRecord;
import dev.packetfs.dispatch.queue.CancelOutcome;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.Op;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The table of fan-out cases: parents with their limits, steps a dispatcher takes on them
 * (answer a window, fail it, hedge it, cancel the parent), and after each step what the rules
 * say follows: the windows issued, the parent's progress, and, once it ends, its result. The
 * steps are drawn from a seeded generator and the outcomes computed by {@link FanOutRules}, the
 * one place the rules are written; {@code FanOutCasesContract} replays the table through every
 * queue backend, as kernel/spec/vectors.json is replayed through every kernel.
 *
 * <p>The table is this module's resource {@value #RESOURCE}. {@code FanOutCasesTest} fails when it is
 * not exactly what this class generates; after a rule changes, write it again with {@code mvn -pl
 * dispatcher-function/contracts test -Dtest=FanOutCasesTest -Dpacketfs.fanout-cases.write=true} and
 * make the Lua scripts agree.
 */
public final class FanOutCases {
    public static final String RESOURCE = "dev/packetfs/dispatch/contract/fanout-cases.json";
    static final int CASES = 64;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String[] SUBSTRATES = {"local", "lambda", "flyio", "cloudflare"};

    private FanOutCases() {}

    /** One step a dispatcher takes on a parent: {@code answer}, {@code fail}, {@code hedge} or {@code cancel}. */
    public record Step(
            String action, long index, boolean hedge, String substrate, long cost, double after, JsonNode expect) {

        ObjectNode toJson() {
            ObjectNode n = JSON.objectNode();
            n.put("do", action);
            if (!action.equals("cancel")) {
                n.put("window", index);
            }
            if (action.equals("answer") || action.equals("fail")) {
                n.put("hedge", hedge);
                n.put("substrate", substrate);
                n.put("cost", cost);
            }
            if (action.equals("hedge")) {
                n.put("after", after);
            }
            n.set("expect", expect);
            return n;
        }

        static Step fromJson(JsonNode n) {
            return new Step(
                    n.path("do").asText(),
                    n.path("window").asLong(),
                    n.path("hedge").asBoolean(),
                    n.path("substrate").asText(null),
                    n.path("cost").asLong(),
                    n.path("after").asDouble(),
                    n.path("expect"));
        }
    }

    /** A parent, its limits, what planning it does, and the steps after. */
    public record Case(String name, ComputeJob parent, FanOutLimits limits, JsonNode planned, List<Step> steps) {}

    // -- observations, made alike by the generator and by the replay ----------------------------

    /** A window as issued: which, where, and the state a chained fnv64 starts from. */
    static ObjectNode window(ComputeJob job) {
        WindowRef w = job.window();
        ObjectNode n = JSON.objectNode();
        n.put("index", w.index());
        n.put("offset", job.program().offset());
        n.put("length", job.program().length());
        if (job.program().fnvState().isPresent()) {
            n.put("fnv_state", Long.toUnsignedString(job.program().fnvState().getAsLong(), 16));
        }
        if (w.hedge()) {
            n.put("hedge", true);
        }
        return n;
    }

    /** What the rules move in a parent's progress (what its plan fixed, and the clock, left out). */
    static ObjectNode progress(FanOutProgress p) {
        ObjectNode n = p.toJson();
        n.retain(
                "state",
                "windows_done",
                "windows_queued",
                "bytes_done",
                "cost_usd",
                "executions",
                "hedges",
                "hedges_won",
                "substrates",
                "error");
        return canonical(n);
    }

    /** A parent's result, less what depends on the clock. */
    static ObjectNode result(JobResult r) {
        ObjectNode n = JSON.objectNode();
        n.put("status", r.status().wireName());
        if (r.error() != null) {
            n.put("error", r.error());
        }
        if (r.result() != null) {
            n.set("result", r.result());
        }
        n.put("cost_pico_usd", r.costPicoUsd());
        n.put("attempts", r.attempts());
        if (r.summary() != null) {
            ObjectNode summary = r.summary().deepCopy();
            summary.remove("started_at");
            summary.remove("merge_ms");
            n.set("summary", summary);
        }
        return canonical(n);
    }

    /**
     * Object fields sorted by name and numbers written plainly, all the way down: two
     * observations compare as text whichever way their numbers were read.
     */
    static ObjectNode canonical(ObjectNode node) {
        Map<String, JsonNode> sorted = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            sorted.put(e.getKey(), canonicalValue(e.getValue()));
        }
        ObjectNode out = JSON.objectNode();
        sorted.forEach(out::set);
        return out;
    }

    private static JsonNode canonicalValue(JsonNode v) {
        if (v instanceof ObjectNode o) {
            return canonical(o);
        }
        if (v instanceof ArrayNode a) {
            ArrayNode out = JSON.arrayNode();
            a.forEach(e -> out.add(canonicalValue(e)));
            return out;
        }
        if (v.isNumber()) {
            return JSON.textNode(v.decimalValue().stripTrailingZeros().toPlainString());
        }
        return v;
    }

    /** The answer a substrate gives for a window: the kernel over the contract's object. */
    static JobResult answerOf(ComputeJob window, String substrate, long cost) {
        return new JobResult(
                window.jobId(),
                JobResult.Status.SUCCEEDED,
                substrate,
                Kernel.execute(window.program(), FanOutQueueContract.OBJECT).toJson(),
                1,
                cost,
                1,
                null,
                Instant.EPOCH);
    }

    static String failure(ComputeJob window) {
        return "the origin answered 500 for " + window.jobId();
    }

    // -- the table ------------------------------------------------------------------------------

    /** Every case, generated now from the rules. */
    public static ArrayNode generate() {
        ArrayNode cases = JSON.arrayNode();
        SplittableRandom random = new SplittableRandom(2026_12_06);
        for (int i = 0; i < CASES; i++) {
            cases.add(new Model(random.split(), "case-" + i).run());
        }
        return cases;
    }

    /** The table as committed. */
    public static List<Case> read() {
        try (InputStream in = FanOutCases.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the class path");
            }
            List<Case> out = new ArrayList<>();
            for (JsonNode c : JobJson.MAPPER.readTree(in)) {
                JsonNode l = c.path("limits");
                FanOutLimits limits = new FanOutLimits(
                        l.path("max_outstanding").asInt(),
                        l.path("max_cost_pico_usd").asLong(),
                        l.path("estimate_pico_usd").asLong(),
                        l.path("chained").asBoolean(),
                        null);
                List<Step> steps = new ArrayList<>();
                c.path("steps").forEach(s -> steps.add(Step.fromJson(s)));
                out.add(new Case(
                        c.path("name").asText(), JobJson.parse(c.path("parent")), limits, c.path("planned"), steps));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(ArrayNode cases) {
        try {
            return JobJson.MAPPER
                            .copy()
                            .enable(SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(cases) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One case: a random parent and limits, then random steps, each followed through the rules. */
    private static final class Model {
        private final SplittableRandom random;
        private final String name;
        private final List<String> issued = new ArrayList<>();
        private JobResult finished;
        private final FanOutRules rules = new FanOutRules(issued::add, r -> finished = r, (job, token, restarts) -> {
            throw new IllegalStateException("no case restarts a parent");
        });
        /** Windows delivered and not settled, by job id (a hedge's id ends in ~h). */
        private final Map<String, ComputeJob> outstanding = new LinkedHashMap<>();

        private final List<String> hedged = new ArrayList<>();

        Model(SplittableRandom random, String name) {
            this.random = random;
            this.name = name;
        }

        ObjectNode run() {
            Op op = Op.values()[random.nextInt(Op.values().length)];
            long windowBytes = new long[] {997, 4_096, 10_000, 33_335}[random.nextInt(4)];
            long windows = 1 + random.nextInt(12);
            long offset = random.nextInt(2_000);
            long length = Math.min(
                    FanOutQueueContract.OBJECT.length - offset,
                    (windows - 1) * windowBytes + 1 + random.nextLong(windowBytes));
            ComputeJob parent = FanOutQueueContract.parent(name, op, offset, length, windowBytes);
            int cap = new int[] {1, 2, 3, 5, 16}[random.nextInt(5)];
            long estimate = new long[] {0, 0, 100, 1_000}[random.nextInt(4)];
            long maxCost = random.nextInt(3) == 0 ? -1 : random.nextLong(8 * Math.max(estimate, 500));
            FanOutLimits limits = new FanOutLimits(cap, maxCost, estimate, op == Op.FNV64, null);
            WindowPlan plan = WindowPlan.of(parent, FanOutQueueContract.OBJECT.length);

            ObjectNode c = JSON.objectNode();
            c.put("name", name);
            c.set("parent", JobJson.write(parent));
            ObjectNode l = c.putObject("limits");
            l.put("max_outstanding", cap);
            l.put("max_cost_pico_usd", maxCost);
            l.put("estimate_pico_usd", estimate);
            l.put("chained", limits.chained());
            rules.plan(
                    plan, limits, WindowTemplate.of(parent, null, 0), JobJson.toText(JobJson.write(parent)), "1-0", 0);
            c.set("planned", observe(null));
            ArrayNode steps = c.putArray("steps");
            while (finished == null && steps.size() < 40) {
                steps.add(step().toJson());
            }
            if (finished == null || random.nextBoolean()) {
                steps.add(cancel().toJson()); // one still running is called back; one ended says so
            }
            return c;
        }

        private Step step() {
            List<ComputeJob> out = new ArrayList<>(outstanding.values());
            int roll = random.nextInt(100);
            if (out.isEmpty() || roll < 3) {
                return cancel();
            }
            ComputeJob w = out.get(random.nextInt(out.size()));
            String substrate = SUBSTRATES[random.nextInt(SUBSTRATES.length)];
            long cost = random.nextInt(4) == 0 ? 0 : random.nextLong(1_500);
            if (roll < 15 && !w.window().hedge()) {
                return hedge(w, new double[] {0, 0.25, 0.5, 1}[random.nextInt(4)]);
            }
            if (roll < 21) {
                return fail(w, substrate, cost);
            }
            return answer(w, substrate, cost);
        }

        private Step answer(ComputeJob w, String substrate, long cost) {
            outstanding.remove(w.jobId());
            WindowRef ref = w.window();
            JobResult r = answerOf(w, substrate, cost);
            rules.charge(ref, record(w, substrate, null, cost, r));
            rules.answered(ref, r.result(), substrate);
            return new Step("answer", ref.index(), ref.hedge(), substrate, cost, 0, observe(null));
        }

        private Step fail(ComputeJob w, String substrate, long cost) {
            outstanding.remove(w.jobId());
            WindowRef ref = w.window();
            rules.charge(ref, record(w, substrate, "origin_error", cost, null));
            rules.failed(ref, FanOutMerge.windowFailed(w, failure(w)), false);
            return new Step("fail", ref.index(), ref.hedge(), substrate, cost, 0, observe(null));
        }

        private Step hedge(ComputeJob w, double after) {
            WindowRef ref = w.window();
            boolean queued = rules.mayHedge(ref, after);
            if (queued) {
                ComputeJob hedge = w.hedge();
                outstanding.put(hedge.jobId(), hedge);
                hedged.add(JobJson.toText(window(hedge)));
            }
            ObjectNode expect = observe(queued);
            return new Step("hedge", ref.index(), false, null, 0, after, expect);
        }

        private Step cancel() {
            CancelOutcome c = rules.cancel(name);
            ObjectNode expect = observe(null);
            // The queue answers for the parent: one whose result is stored has finished.
            expect.put("cancel", c == CancelOutcome.UNKNOWN && finished != null ? "FINISHED" : c.name());
            outstanding.clear();
            return new Step("cancel", 0, false, null, 0, 0, expect);
        }

        private static ExecutionRecord record(ComputeJob w, String substrate, String failure, long cost, JobResult r) {
            long bytes = r == null ? 0 : r.result().path("bytes_processed").asLong();
            return new ExecutionRecord(w.jobId(), substrate, failure, 1, cost, bytes, Instant.EPOCH);
        }

        /** What follows the step: windows issued (hedges last), and progress or the result. */
        private ObjectNode observe(Boolean hedgeQueued) {
            ObjectNode n = JSON.objectNode();
            ArrayNode windows = n.putArray("issued");
            for (String json : issued) {
                ComputeJob w = JobJson.parse(json);
                outstanding.put(w.jobId(), w);
                windows.add(window(w));
            }
            issued.clear();
            for (String h : hedged) {
                windows.add(JobJson.readTree(h));
            }
            hedged.clear();
            if (hedgeQueued != null) {
                n.put("hedged", hedgeQueued);
            }
            if (finished != null) {
                n.set("result", result(finished));
            } else {
                n.set("progress", progress(rules.progress(name)));
            }
            return n;
        }
    }
}
