package dev.packetfs.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.packetfs.testing.RepositoryPaths;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.net.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The client and docs/openapi.yaml say the same, both ways:
 *
 * <ul>
 *   <li>every route the client calls ({@link Route}) is an operation of the document, with its
 *       query parameter and the statuses that answer it successfully; every operation of the
 *       document is one the client calls, or one {@link #NOT_CALLED} says is not for it;
 *   <li>every error status the document lists for those routes has its exception type
 *       ({@link PacketfsException#TYPED}), and every type's status is one the document lists;
 *   <li>every field the client reads from an answer is one the answer's schema names, and every
 *       field the schema requires is one the client reads (or the client hands the answer back
 *       whole).
 * </ul>
 *
 * Which fields the client reads is seen, not declared: each answer is built from its schema with
 * every property it names, and the client's own code reads it (the factory of its type, then every
 * accessor) through a node that notes each field asked of it, present or not.
 */
class OpenApiAgreementTest {
    private static final JsonNode DOCUMENT = document();

    /** Operations of the document that are not for this client, and why. */
    private static final Map<String, String> NOT_CALLED = Map.of(
            "GET /metrics/stream", "server-sent events for a page; exchange() streams them (pfs dashboard does)",
            "GET /q/metrics", "Prometheus text, for a scraper",
            "GET /q/openapi", "this document, for tools",
            "GET /q/swagger-ui", "a page for a browser",
            "GET /dashboard", "a page for a browser",
            "GET /dashboard/{asset}", "the dashboard page's files",
            "GET /browser-runtime", "the volunteer page, for a browser",
            "GET /browser-runtime/{file}", "the volunteer page's files");

    /** How the client reads a successful answer, by the schema the document gives it. */
    private static final Map<String, Reader> SUCCESS_READERS = Map.of(
            "Accepted", new Reader("Submission", Submission::of),
            "Requeued", new Reader("Submission", Submission::of),
            "JobStatus", new Reader("JobStatus", JobStatus::of),
            "Cancelled", new Reader("Cancellation", Cancellation::of),
            "Result", new Reader("JobResult", a -> JobResult.ofResult(a, a.toString())),
            "Pending", new Reader("JobResult", a -> JobResult.ofPending(a, a.toString())),
            "Metrics", Reader.WHOLE,
            "Health", Reader.WHOLE,
            "DeadLetters", Reader.WHOLE);

    /** Every error answer is read by ErrorAnswer (what PacketfsException.from makes its exception of). */
    private static final Reader ERRORS = new Reader(
            "ErrorAnswer", a -> ErrorAnswer.of(500, HttpHeaders.of(Map.of(), (n, v) -> true), a.toString(), a));

    /** The error bodies ErrorAnswer reads its message and field from. */
    private static final Set<String> ERROR_BODIES = Set.of("Error", "AwsRefusal");

    /** Error answers whose body is their own, kept whole by the exception ({@link PacketfsException#body()}), and why. */
    private static final Map<String, String> WHOLE_ERROR_BODIES =
            Map.of("Health", "GET /health answers 503 with the health it reports, status DOWN");

    @Test
    void everyRouteTheClientCallsIsAnOperationOfTheDocument() {
        for (Route route : Route.values()) {
            JsonNode op = operation(route);
            assertNotNull(op, route + ": " + key(route) + " is not in docs/openapi.yaml");

            Set<String> queries = new TreeSet<>();
            op.path("parameters").forEach(p -> {
                JsonNode param = resolve(p);
                if (param.path("in").asText().equals("query")) {
                    queries.add(param.path("name").asText());
                }
            });
            assertEquals(
                    route.query == null ? Set.of() : Set.of(route.query), queries, key(route) + ": query parameters");

            Set<Integer> successes = new TreeSet<>();
            statuses(op).stream().filter(s -> s < 300).forEach(successes::add);
            assertEquals(new TreeSet<>(route.successes), successes, key(route) + ": statuses of success");

            JsonNode body = resolve(op.path("requestBody"));
            if (!body.isMissingNode()) {
                assertTrue(body.path("content").has("application/json"), key(route) + " takes JSON");
            }
        }
    }

    @Test
    void everyOperationOfTheDocumentIsOneTheClientCallsOrOneNotForIt() {
        Set<String> calls = new TreeSet<>();
        for (Route route : Route.values()) {
            assertFalse(NOT_CALLED.containsKey(key(route)), key(route) + " is called, and listed as not called");
            calls.add(key(route));
        }
        Set<String> expected = new TreeSet<>(calls);
        expected.addAll(NOT_CALLED.keySet());
        assertEquals(expected, operations());
    }

    @Test
    void everyErrorTheDocumentListsForTheseRoutesHasItsOwnType() {
        for (Route route : Route.values()) {
            for (int status : statuses(operation(route))) {
                assertTrue(
                        route.successes.contains(status) || PacketfsException.TYPED.containsKey(status),
                        key(route) + " answers " + status + ", which the client has no type for");
            }
        }
    }

    @Test
    void everyStatusTheClientHasATypeForIsOneTheDocumentLists() {
        Set<Integer> documented = new TreeSet<>();
        for (Route route : Route.values()) {
            documented.addAll(statuses(operation(route)));
        }
        for (int status : PacketfsException.TYPED.keySet()) {
            assertTrue(documented.contains(status), status + " has a type but no route of the client answers it");
        }
    }

    /** {@link PacketfsException#retryAfter()} reads the header where the document puts it: on 429 and 503. */
    @Test
    void retryAfterIsOnTheAnswersThatAskToWait() {
        int seen = 0;
        for (Route route : Route.values()) {
            JsonNode responses = operation(route).path("responses");
            for (String status : List.of("429", "503")) {
                if (responses.has(status)) {
                    assertTrue(
                            resolve(responses.get(status)).path("headers").has(ErrorAnswer.RETRY_AFTER),
                            key(route) + " " + status + " carries " + ErrorAnswer.RETRY_AFTER);
                    seen++;
                }
            }
        }
        assertTrue(seen > 0);
    }

    @Test
    void theClientReadsOnlyFieldsTheDocumentNames() {
        Map<String, Set<String>> asked = new TreeMap<>();
        Map<String, Set<String>> named = new TreeMap<>();
        for (Answer a : answers()) {
            asked.computeIfAbsent(a.reader.name, r -> new TreeSet<>()).addAll(a.asked);
            if (a.own) {
                named.computeIfAbsent(a.reader.name, r -> new TreeSet<>()).addAll(names(a.schema, ""));
            }
        }
        assertTrue(asked.get("JobStatus").contains("fanout.windows_done"), "reads are seen inside objects: " + asked);
        asked.forEach((reader, fields) -> {
            Set<String> unnamed = new TreeSet<>(fields);
            unnamed.removeAll(named.getOrDefault(reader, Set.of()));
            assertEquals(Set.of(), unnamed, reader + " reads fields that no schema it reads names");
        });
    }

    @Test
    void theClientReadsEveryFieldTheDocumentRequires() {
        int checked = 0;
        for (Answer a : answers()) {
            if (a.own && a.reader != Reader.WHOLE) {
                Set<String> unread = new TreeSet<>(required(a.schema));
                unread.removeAll(a.asked);
                assertEquals(
                        Set.of(),
                        unread,
                        a + ": fields the document requires that " + a.reader.name + " does not read");
                checked++;
            }
        }
        assertTrue(checked >= 8, "answers checked: " + checked);
    }

    // -- answers -------------------------------------------------------------------------------

    /** How the client reads an answer: the factory of its type, and then every accessor is called. */
    record Reader(String name, Function<JsonNode, Object> read) {
        /** The client hands the answer back as it came, a Jackson tree: it reads no field of its own. */
        static final Reader WHOLE = new Reader("the whole tree", a -> null);
    }

    /**
     * One documented answer to one of the client's routes, read by the client.
     *
     * @param own whether its schema is one its reader is written for, rather than a body it keeps whole
     * @param asked the fields the reader asked of it, as {@code a.b} for a field inside another
     */
    record Answer(String route, String status, JsonNode schema, Reader reader, boolean own, Set<String> asked) {
        @Override
        public String toString() {
            return route + " " + status;
        }
    }

    private static List<Answer> answers() {
        List<Answer> out = new ArrayList<>();
        for (Route route : Route.values()) {
            Iterator<Map.Entry<String, JsonNode>> it =
                    operation(route).path("responses").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                int status = Integer.parseInt(e.getKey());
                JsonNode schema = resolve(e.getValue())
                        .path("content")
                        .path("application/json")
                        .path("schema");
                assertFalse(schema.isMissingNode(), key(route) + " " + status + " has no JSON body");
                String name = schemaName(schema);
                Reader reader;
                boolean own;
                if (route.successes.contains(status)) {
                    reader = SUCCESS_READERS.get(name);
                    assertNotNull(reader, key(route) + " " + status + ": which type reads " + name + "?");
                    own = true;
                } else {
                    reader = ERRORS;
                    own = ERROR_BODIES.contains(name);
                    assertTrue(own || WHOLE_ERROR_BODIES.containsKey(name), key(route) + " " + status + ": " + name);
                }
                Set<String> asked = new TreeSet<>();
                exercise(reader.read.apply(new Recorder((ObjectNode) instance(schema), "", asked)));
                out.add(new Answer(key(route), e.getKey(), schema, reader, own, asked));
            }
        }
        return out;
    }

    /** Calls each public accessor of a value of the client's, and of the client's values it gives. */
    private static void exercise(Object value) {
        if (value == null || !value.getClass().getPackageName().equals(Route.class.getPackageName())) {
            return;
        }
        for (Method m : value.getClass().getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers())
                    && !Modifier.isStatic(m.getModifiers())
                    && m.getParameterCount() == 0
                    && !Set.of("hashCode", "toString").contains(m.getName())) {
                try {
                    Object r = m.invoke(value);
                    exercise(r instanceof Optional<?> o ? o.orElse(null) : r);
                } catch (IllegalAccessException | InvocationTargetException e) {
                    throw new AssertionError(value.getClass().getSimpleName() + "." + m.getName(), e);
                }
            }
        }
    }

    /** An object that notes each field asked of it and of the objects in it, present or not. */
    static final class Recorder extends ObjectNode {
        private final String at;
        private final Set<String> asked;

        Recorder(ObjectNode source, String at, Set<String> asked) {
            super(JsonNodeFactory.instance);
            this.at = at;
            this.asked = asked;
            setAll(source);
        }

        @Override
        public JsonNode get(String name) {
            asked.add(at + name);
            JsonNode v = super.get(name);
            return v instanceof ObjectNode o ? new Recorder(o, at + name + ".", asked) : v;
        }

        @Override
        public JsonNode path(String name) {
            JsonNode v = get(name);
            return v == null ? MissingNode.getInstance() : v;
        }
    }

    // -- the document --------------------------------------------------------------------------

    private static JsonNode document() {
        try {
            return new YAMLMapper()
                    .readTree(RepositoryPaths.find("docs/openapi.yaml").toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String key(Route route) {
        return route.method + " " + route.template;
    }

    private static JsonNode operation(Route route) {
        return DOCUMENT.path("paths").path(route.template).get(route.method.toLowerCase(Locale.ROOT));
    }

    private static Set<String> operations() {
        Set<String> out = new TreeSet<>();
        DOCUMENT.path("paths")
                .fields()
                .forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
                    if (Set.of("get", "put", "post", "delete", "patch").contains(method)) {
                        out.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
                    }
                }));
        return out;
    }

    private static Set<Integer> statuses(JsonNode operation) {
        Set<Integer> out = new TreeSet<>();
        operation.path("responses").fieldNames().forEachRemaining(s -> out.add(Integer.parseInt(s)));
        return out;
    }

    /** A node with its {@code $ref} followed, within the document. */
    private static JsonNode resolve(JsonNode node) {
        JsonNode n = node;
        while (n.has("$ref")) {
            String ref = n.get("$ref").asText();
            assertTrue(ref.startsWith("#/"), ref);
            n = DOCUMENT.at(ref.substring(1));
            assertFalse(n.isMissingNode(), ref);
        }
        return n;
    }

    /** The name of a referenced schema; for one of several ({@code Acceptance}: a job's or a batch's), the first's. */
    private static String schemaName(JsonNode schema) {
        assertTrue(schema.has("$ref"), "a named schema: " + schema);
        JsonNode target = resolve(schema);
        if (target.has("oneOf")) {
            return schemaName(target.get("oneOf").get(0));
        }
        String ref = schema.get("$ref").asText();
        return ref.substring(ref.lastIndexOf('/') + 1);
    }

    /** Every field a schema names, as {@code a.b} for one inside another (maps' keys left out). */
    private static Set<String> names(JsonNode schema, String prefix) {
        Set<String> out = new TreeSet<>();
        JsonNode s = resolve(schema);
        for (String combined : List.of("oneOf", "anyOf", "allOf")) {
            s.path(combined).forEach(part -> out.addAll(names(part, prefix)));
        }
        s.path("properties").fields().forEachRemaining(p -> {
            out.add(prefix + p.getKey());
            out.addAll(names(p.getValue(), prefix + p.getKey() + "."));
        });
        return out;
    }

    /** The fields a schema requires, of an object or of the first of several. */
    private static Set<String> required(JsonNode schema) {
        JsonNode s = resolve(schema);
        if (s.has("oneOf")) {
            return required(s.get("oneOf").get(0));
        }
        Set<String> out = new TreeSet<>();
        s.path("required").forEach(r -> out.add(r.asText()));
        return out;
    }

    /** A value of the schema with every property it names: its constant, first example or first of its values. */
    private static JsonNode instance(JsonNode schema) {
        JsonNode s = resolve(schema);
        if (s.has("const")) {
            return s.get("const");
        }
        if (s.has("examples")) {
            return s.get("examples").get(0);
        }
        if (s.has("enum")) {
            return s.get("enum").get(0);
        }
        if (s.has("oneOf")) {
            for (JsonNode alternative : s.get("oneOf")) {
                if (!type(resolve(alternative)).equals("null")) {
                    return instance(alternative);
                }
            }
        }
        if (s.has("allOf")) {
            ObjectNode merged = JsonNodeFactory.instance.objectNode();
            s.get("allOf").forEach(part -> merged.setAll((ObjectNode) instance(part)));
            return merged;
        }
        return switch (type(s)) {
            case "object" -> {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                s.path("properties").fields().forEachRemaining(p -> o.set(p.getKey(), instance(p.getValue())));
                JsonNode more = s.get("additionalProperties");
                if (more != null && more.isObject()) {
                    o.set("a-key", instance(more));
                }
                yield o;
            }
            case "array" -> JsonNodeFactory.instance.arrayNode().add(instance(s.path("items")));
            case "string" ->
                TextNode.valueOf(
                        s.path("format").asText().equals("date-time") ? "2026-12-06T18:00:00.123456Z" : "text");
            case "integer" -> IntNode.valueOf(Math.max(1, s.path("minimum").asInt()));
            case "number" -> DecimalNode.valueOf(new BigDecimal("0.000125"));
            case "boolean" -> BooleanNode.TRUE;
            default -> NullNode.getInstance();
        };
    }

    /** A schema's type; of a nullable one ({@code [string, "null"]}), the other. */
    private static String type(JsonNode s) {
        JsonNode t = s.path("type");
        if (t.isArray()) {
            for (JsonNode one : t) {
                if (!one.asText().equals("null")) {
                    return one.asText();
                }
            }
            return "null";
        }
        if (t.isTextual()) {
            return t.asText();
        }
        return s.has("properties") ? "object" : "";
    }
}
