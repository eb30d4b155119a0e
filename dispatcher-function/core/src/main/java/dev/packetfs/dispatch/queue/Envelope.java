package dev.packetfs.dispatch.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobException;
import dev.packetfs.dispatch.job.JobIds;
import dev.packetfs.dispatch.job.JobJson;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The queue's wire form of a job. A fresh submission is an entry with one field, {@code job} (the
 * job JSON, exactly as submitted); a retry is an entry with {@code envelope}: the job plus what its
 * earlier attempts left behind. Both queue implementations use this form.
 */
public final class Envelope {
    public static final String JOB = "job";
    public static final String ENVELOPE = "envelope";

    private Envelope() {}

    /** A stream entry that is not a runnable job. */
    public record Invalid(String handle, String token, String jobId, String error, String raw) {}

    /** Reads one entry; returns a {@link Delivery} or an {@link Invalid}. */
    public static Object read(String handle, Map<String, String> fields) {
        String raw = fields.get(JOB);
        String token = handle;
        int attempts = 0;
        int throttles = 0;
        List<String> errors = List.of();
        Set<String> avoid = Set.of();
        long cost = 0;
        int restarts = 0;
        if (raw == null && fields.containsKey(ENVELOPE)) {
            JsonNode env;
            try {
                env = JobJson.readTree(fields.get(ENVELOPE));
                raw = env.get(JOB).asText();
                token = env.get("token").asText();
                attempts = env.path("attempts").asInt();
                throttles = env.path("throttles").asInt();
                errors = strings(env.path("errors"));
                avoid = new LinkedHashSet<>(strings(env.path("avoid")));
                cost = env.path("cost").asLong();
                restarts = env.path("restarts").asInt();
            } catch (RuntimeException e) {
                return new Invalid(
                        handle,
                        handle,
                        null,
                        "queue entry is not a readable envelope: " + e.getMessage(),
                        fields.get(ENVELOPE));
            }
        }
        if (raw == null) {
            return new Invalid(handle, token, null, "queue entry has no job field", fields.toString());
        }
        try {
            ComputeJob job = JobJson.parse(raw);
            return new Delivery(job, handle, token, attempts, throttles, errors, avoid, cost, raw, restarts);
        } catch (JobException e) {
            return new Invalid(handle, token, usableJobId(raw), e.getMessage(), raw);
        }
    }

    /** The envelope a retry is queued as. */
    public static String retry(Delivery d, Settlement.Retry r) {
        ObjectNode env = JobJson.MAPPER.createObjectNode();
        env.put(JOB, d.rawJob());
        env.put("token", d.token());
        env.put("attempts", d.attempts() + (r.burnsAttempt() ? 1 : 0));
        env.put("throttles", d.throttles() + (r.burnsAttempt() ? 0 : 1));
        ArrayNode errors = env.putArray("errors");
        d.errors().forEach(errors::add);
        if (r.error() != null) {
            errors.add(r.error());
        }
        ArrayNode avoid = env.putArray("avoid");
        r.avoid().forEach(avoid::add);
        env.put("cost", d.costPicoUsd() + (r.record() == null ? 0 : r.record().costPicoUsd()));
        if (d.restarts() > 0) {
            env.put("restarts", d.restarts());
        }
        // Two identical envelopes would collapse into one sorted-set member.
        env.put("nonce", UUID.randomUUID().toString());
        return JobJson.toText(env);
    }

    /**
     * A fan-out job to plan again after its object changed (docs/jobs.md#one-version-of-the-object):
     * the job as submitted, its submission's token, every attempt ahead of it, and the number of
     * this restart, which its new windows carry. fanout.lua writes the same envelope for Redis.
     */
    public static String restart(String rawJob, String token, int restarts) {
        ObjectNode env = JobJson.MAPPER.createObjectNode();
        env.put(JOB, rawJob);
        env.put("token", token);
        env.put("attempts", 0);
        env.put("throttles", 0);
        env.putArray("errors");
        env.putArray("avoid");
        env.put("cost", 0);
        env.put("restarts", restarts);
        return JobJson.toText(env);
    }

    /** A hedge: the envelope of a late window's duplicate, and the bytes its job holds of the quota. */
    public record Hedge(String envelope, long jobBytes) {}

    /**
     * The duplicate of a late window, as a retry envelope: its own id ({@code ~h}) and submission,
     * every attempt ahead of it, and the substrate it was late on to be tried last.
     */
    public static Hedge hedge(Delivery late, String lateOn) {
        String job = JobJson.toText(JobJson.write(late.job().hedge()));
        ObjectNode env = JobJson.MAPPER.createObjectNode();
        env.put(JOB, job);
        env.put("token", "hedge-" + UUID.randomUUID());
        env.put("attempts", 0);
        env.put("throttles", 0);
        env.putArray("errors");
        env.putArray("avoid").add(lateOn);
        env.put("cost", 0);
        env.put("nonce", UUID.randomUUID().toString());
        return new Hedge(JobJson.toText(env), utf8Length(job));
    }

    /** Reads a dead letter as {@link #dead} wrote it; {@code id} is its entry id ({@code <ms>-<n>}). */
    public static DeadLetter readDead(String id, Map<String, String> fields) {
        String raw = fields.getOrDefault(JOB, "");
        String op = null;
        try {
            JsonNode o = JobJson.readTree(raw).path("program").path("op");
            op = o.isTextual() ? o.asText() : null;
        } catch (RuntimeException notJson) {
            // an unreadable job: no op to show
        }
        List<String> errors;
        try {
            errors = strings(JobJson.readTree(fields.getOrDefault("errors", "[]")));
        } catch (RuntimeException e) {
            errors = List.of(fields.getOrDefault("errors", ""));
        }
        String jobId = fields.getOrDefault("job_id", "");
        int attempts;
        try {
            attempts = Integer.parseInt(fields.getOrDefault("attempts", "0"));
        } catch (NumberFormatException e) {
            attempts = 0;
        }
        long ms;
        try {
            ms = Long.parseLong(id.substring(0, id.indexOf('-')));
        } catch (RuntimeException e) {
            ms = 0;
        }
        return new DeadLetter(id, jobId.isEmpty() ? null : jobId, op, attempts, errors, Instant.ofEpochMilli(ms), raw);
    }

    /** What the dead-letter stream keeps of a job: the job as submitted and why it failed. */
    public static Map<String, String> dead(String jobId, String raw, int attempts, List<String> errors) {
        ArrayNode list = JobJson.MAPPER.createArrayNode();
        errors.forEach(list::add);
        return Map.of(
                "job_id",
                jobId == null ? "" : jobId,
                JOB,
                raw == null ? "" : raw,
                "attempts",
                Integer.toString(attempts),
                "errors",
                JobJson.toText(list));
    }

    /** Bytes of {@code text} in UTF-8, as Redis counts a string: what a job takes of the queue's quota. */
    public static long utf8Length(String text) {
        if (text == null) {
            return 0;
        }
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** The job_id of an invalid job, when it has a usable one, so its failure can be looked up. */
    public static String usableJobId(String raw) {
        try {
            JsonNode id = JobJson.readTree(raw).get("job_id");
            if (id != null && id.isTextual()) {
                JobIds.check(id.asText());
                return id.asText();
            }
        } catch (RuntimeException e) {
            // not JSON, or no usable id: the job can only be dead-lettered
        }
        return null;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
