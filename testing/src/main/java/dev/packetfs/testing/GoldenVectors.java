package dev.packetfs.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/** Reads kernel/spec/vectors.json and rebuilds each case's object bytes. */
public final class GoldenVectors {
    /** kernel/spec/vectors.json, found from any module's working directory. */
    public static final Path FILE = locate();

    public record Case(String name, JsonNode object, JsonNode program, JsonNode expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    public record Invalid(String name, JsonNode program, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static JsonNode root;

    /**
     * JSON equality where numbers compare by value: the vectors' 8 and a kernel's 8L are the same
     * result, though Jackson keeps them as different node types.
     */
    public static boolean sameJson(JsonNode expected, JsonNode actual) {
        return expected.equals(
                (a, b) -> a.isNumber() && b.isNumber()
                        ? a.decimalValue().compareTo(b.decimalValue())
                        : a.equals(b) ? 0 : 1,
                actual);
    }

    private GoldenVectors() {}

    private static Path locate() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path candidate :
                    new Path[] {dir.resolve("spec/vectors.json"), dir.resolve("kernel/spec/vectors.json")}) {
                if (Files.isRegularFile(candidate)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException(
                "kernel/spec/vectors.json not found above " + Path.of("").toAbsolutePath());
    }

    public static synchronized JsonNode root() {
        if (root == null) {
            try {
                root = new ObjectMapper().readTree(FILE.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    public static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (JsonNode c : root().get("cases")) {
            cases.add(new Case(c.get("name").asText(), c.get("object"), c.get("program"), c.get("expected")));
        }
        return cases;
    }

    public static List<Invalid> invalid() {
        List<Invalid> invalid = new ArrayList<>();
        for (JsonNode c : root().get("errors")) {
            invalid.add(new Invalid(
                    c.get("name").asText(), c.get("program"), c.get("field").asText()));
        }
        return invalid;
    }

    /**
     * A case's program with {@code object} (its object's bytes) inline in {@code data}, for
     * runtimes tested without an origin. Inline data has no version: a case pinned to its
     * object's size is the same case.
     */
    public static ObjectNode inlined(Case c, byte[] object) {
        ObjectNode program = ((ObjectNode) c.program()).deepCopy();
        program.put("data", Base64.getEncoder().encodeToString(object));
        program.remove("version");
        return program;
    }

    /** The object bytes a case describes (see the file's "about"). */
    public static byte[] objectBytes(JsonNode object) {
        if (object.has("text")) {
            return object.get("text").asText().getBytes(StandardCharsets.UTF_8);
        }
        if (object.has("fill")) {
            byte[] b = new byte[object.get("fill").get("size").asInt()];
            Arrays.fill(b, (byte) object.get("fill").get("byte").asInt());
            return b;
        }
        JsonNode prng = object.get("prng");
        return xorshift32(prng.get("seed").asInt(), prng.get("size").asInt());
    }

    public static byte[] xorshift32(int seed, int size) {
        byte[] b = new byte[size];
        int x = seed;
        for (int i = 0; i < size; i += 4) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            for (int k = 0; k < 4 && i + k < size; k++) {
                b[i + k] = (byte) (x >>> (8 * k));
            }
        }
        return b;
    }
}
