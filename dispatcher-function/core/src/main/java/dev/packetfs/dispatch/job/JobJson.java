package dev.packetfs.dispatch.job;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramException;
import dev.packetfs.kernel.ProgramJson;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Jobs and results in the JSON form of docs/jobs.md (snake_case), with errors that name the field. */
public final class JobJson {
    /** The one mapper: BigDecimals as plain decimals, so cost_usd never reads 2.08E-7. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    /** The fields a submitter may set; the error for an unknown one lists them. */
    private static final Set<String> FIELDS = new TreeSet<>(Set.of(
            "job_id",
            "program",
            "required_memory_mb",
            "max_duration_ms",
            "requires_gpu",
            "requires_state",
            "substrate",
            "substrates",
            "max_cost_usd",
            "public",
            "window_bytes",
            "on_change"));
    /** Set by the dispatcher on the windows of a fan-out job (WindowRef). */
    public static final String WINDOW = "window";
    /** Most names in {@code substrates}. */
    static final int MAX_SUBSTRATES = 16;

    private static final Pattern SUBSTRATE = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    static final long MAX_MEMORY_MB = 1L << 20;
    static final long MAX_DURATION_MS = 24L * 3600 * 1000;
    static final BigDecimal MAX_COST_USD = BigDecimal.valueOf(1_000_000);
    static final long MAX_WINDOW_BYTES = (1L << 53) - 1;
    private static final BigDecimal PICO = BigDecimal.TEN.pow(12);

    private JobJson() {}

    /** Parses text; malformed JSON is a {@link JobException} too, with the parser's position. */
    public static ComputeJob parse(String text) {
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new JobException(
                    "job",
                    "is not valid JSON: " + e.getOriginalMessage()
                            + (e.getLocation() == null
                                    ? ""
                                    : " at line " + e.getLocation().getLineNr() + ", column "
                                            + e.getLocation().getColumnNr()));
        }
        return parse(node);
    }

    /** Validates a job object. A missing {@code job_id} is assigned. */
    public static ComputeJob parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new JobException("job", "must be a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name) && !name.equals(WINDOW)) {
                throw new JobException(name, "is not a job field; expected " + String.join(", ", FIELDS));
            }
        }
        WindowRef window = window(node);
        String jobId = text(node, "job_id");
        JsonNode programNode = present(node, "program");
        if (programNode == null) {
            throw new JobException("program", "is required");
        }
        Program program;
        try {
            program = ProgramJson.parse(programNode);
        } catch (ProgramException e) {
            throw new JobException(
                    "program." + e.field(), e.getMessage().substring(e.field().length() + 2));
        }
        Long memory = integer(node, "required_memory_mb", MAX_MEMORY_MB);
        Long duration = integer(node, "max_duration_ms", MAX_DURATION_MS);
        String substrate = text(node, "substrate");
        if (substrate != null && !SUBSTRATE.matcher(substrate).matches()) {
            throw new JobException("substrate", "must be \"auto\" or a substrate name, got '" + substrate + "'");
        }
        List<String> substrates = substrates(node);
        if (!substrates.isEmpty() && substrate != null && !substrate.equals(ComputeJob.AUTO)) {
            throw new JobException("substrates", "give substrate or substrates, not both");
        }
        Long windowBytes = integer(node, "window_bytes", MAX_WINDOW_BYTES);
        if (windowBytes != null && program.dataUrl() == null) {
            throw new JobException(
                    "window_bytes", "applies only to a program with data_url; inline data runs as one job");
        }
        String onChange = text(node, "on_change");
        if (onChange != null && !onChange.equals("fail") && !onChange.equals("restart")) {
            throw new JobException("on_change", "must be \"fail\" or \"restart\", got '" + onChange + "'");
        }
        if (onChange != null && windowBytes == null) {
            throw new JobException(
                    "on_change",
                    "applies only to a fan-out job (with window_bytes); a job read in one"
                            + " request sees one version of its object");
        }
        if (jobId == null && window != null) {
            jobId = window.jobId();
        }
        return new ComputeJob(
                jobId == null ? JobIds.assign() : jobId,
                program,
                memory == null ? null : memory.intValue(),
                duration,
                bool(node, "requires_gpu"),
                bool(node, "requires_state"),
                substrate,
                cost(node),
                bool(node, "public"),
                windowBytes,
                substrates,
                window,
                "restart".equals(onChange));
    }

    public static ObjectNode write(ComputeJob job) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("job_id", job.jobId());
        node.set("program", ProgramJson.write(job.program()));
        if (job.requiredMemoryMb() != null) {
            node.put("required_memory_mb", job.requiredMemoryMb());
        }
        if (job.maxDurationMs() != null) {
            node.put("max_duration_ms", job.maxDurationMs());
        }
        if (job.requiresGpu()) {
            node.put("requires_gpu", true);
        }
        if (job.requiresState()) {
            node.put("requires_state", true);
        }
        node.put("substrate", job.substrate());
        if (job.maxCostUsd() != null) {
            node.put("max_cost_usd", job.maxCostUsd());
        }
        if (job.isPublic()) {
            node.put("public", true);
        }
        if (!job.substrates().isEmpty()) {
            job.substrates().forEach(node.putArray("substrates")::add);
        }
        if (job.windowBytes() != null) {
            node.put("window_bytes", job.windowBytes());
        }
        if (job.restartOnChange()) {
            node.put("on_change", "restart");
        }
        if (job.window() != null) {
            ObjectNode w = node.putObject(WINDOW);
            w.put("parent", job.window().parent());
            w.put("index", job.window().index());
            if (job.window().plan() > 0) {
                w.put("plan", job.window().plan());
            }
            if (job.window().hedge()) {
                w.put("hedge", true);
            }
        }
        return node;
    }

    public static ObjectNode write(JobResult r) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("job_id", r.jobId());
        node.put("status", r.status().wireName());
        node.put("substrate", r.substrate());
        node.set("result", r.result());
        node.put("execution_time_ms", r.executionTimeMs());
        node.put("cost_usd", usd(r.costPicoUsd()));
        node.put("attempts", r.attempts());
        if (r.error() != null) {
            node.put("error", r.error());
        }
        node.put("completed_at", r.completedAt().truncatedTo(ChronoUnit.MICROS).toString());
        if (r.summary() != null) {
            node.set("summary", r.summary());
        }
        return node;
    }

    public static JobResult readResult(JsonNode node) {
        JsonNode result = node.get("result");
        JsonNode error = node.get("error");
        JsonNode substrate = node.get("substrate");
        JsonNode summary = node.get("summary");
        return new JobResult(
                node.get("job_id").asText(),
                JobResult.Status.fromWireName(node.get("status").asText()),
                substrate == null || substrate.isNull() ? null : substrate.asText(),
                result == null || result.isNull() ? null : (ObjectNode) result,
                node.get("execution_time_ms").asLong(),
                node.get("cost_usd").decimalValue().multiply(PICO).longValueExact(),
                node.get("attempts").asInt(),
                error == null || error.isNull() ? null : error.asText(),
                Instant.parse(node.get("completed_at").asText()),
                summary == null || !summary.isObject() ? null : (ObjectNode) summary);
    }

    public static String toText(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode readTree(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Picodollars as a plain decimal USD amount. */
    public static BigDecimal usd(long picoUsd) {
        return BigDecimal.valueOf(picoUsd, 12).stripTrailingZeros();
    }

    private static JsonNode present(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = present(node, field);
        if (value != null && !value.isTextual()) {
            throw new JobException(field, "must be a string");
        }
        return value == null ? null : value.asText();
    }

    private static boolean bool(JsonNode node, String field) {
        JsonNode value = present(node, field);
        if (value != null && !value.isBoolean()) {
            throw new JobException(field, "must be true or false");
        }
        return value != null && value.booleanValue();
    }

    private static Long integer(JsonNode node, String field, long max) {
        JsonNode value = present(node, field);
        if (value == null) {
            return null;
        }
        if (!value.isNumber()
                || value.doubleValue() != Math.rint(value.doubleValue())
                || value.doubleValue() < 1
                || value.doubleValue() > max) {
            throw new JobException(field, "must be an integer 1.." + max + ", got " + value);
        }
        return value.longValue();
    }

    private static List<String> substrates(JsonNode node) {
        JsonNode value = present(node, "substrates");
        if (value == null) {
            return List.of();
        }
        if (!value.isArray() || value.isEmpty() || value.size() > MAX_SUBSTRATES) {
            throw new JobException(
                    "substrates",
                    "must be a list of 1.." + MAX_SUBSTRATES + " substrate names, got " + abbreviate(value));
        }
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode name : value) {
            if (!name.isTextual() || !SUBSTRATE.matcher(name.asText()).matches()) {
                throw new JobException("substrates", "must hold substrate names, got " + abbreviate(name));
            }
            if (!names.add(name.asText())) {
                throw new JobException("substrates", "names " + name.asText() + " twice");
            }
        }
        return List.copyOf(names);
    }

    /** The window a job runs, for the windows of a fan-out job (set by the dispatcher only). */
    private static WindowRef window(JsonNode node) {
        JsonNode value = present(node, WINDOW);
        if (value == null) {
            return null;
        }
        JsonNode parent = value.get("parent");
        JsonNode index = value.get("index");
        JsonNode plan = value.get("plan");
        JsonNode hedge = value.get("hedge");
        if (!value.isObject()
                || parent == null
                || !parent.isTextual()
                || index == null
                || !index.canConvertToLong()
                || (plan != null && !plan.canConvertToInt())
                || (hedge != null && !hedge.isBoolean())) {
            throw new JobException(WINDOW, "must be {\"parent\": <job id>, \"index\": <n>}, got " + abbreviate(value));
        }
        return new WindowRef(
                parent.asText(),
                index.asLong(),
                plan == null ? 0 : plan.asInt(),
                hedge != null && hedge.booleanValue());
    }

    private static String abbreviate(JsonNode value) {
        String text = value.toString();
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    private static BigDecimal cost(JsonNode node) {
        JsonNode value = present(node, "max_cost_usd");
        if (value == null) {
            return null;
        }
        if (!value.isNumber()
                || value.decimalValue().signum() < 0
                || value.decimalValue().compareTo(MAX_COST_USD) > 0) {
            throw new JobException("max_cost_usd", "must be a number 0.." + MAX_COST_USD + " (USD), got " + value);
        }
        return value.decimalValue();
    }
}
