package dev.packetfs.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import java.util.Iterator;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and writes programs in the JSON form of docs/kernel.md, naming the field at fault on bad input. */
public final class ProgramJson {
    private static final Set<String> FIELDS =
            Set.of("op", "imm", "data_url", "data", "offset", "length", "fnv_state", "version");
    private static final Set<String> VERSION_FIELDS = Set.of("etag", "last_modified", "size");

    // Standard alphabet, '=' padding only where it completes a 4-character group. The JavaScript
    // kernel applies the same pattern, so both accept exactly the same inline data.
    static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?");

    private ProgramJson() {}

    /** Parses and validates a program object. JSON {@code null} counts as an absent field. */
    public static Program parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new ProgramException("program", "must be a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new ProgramException(
                        name,
                        "is not a program field; expected "
                                + String.join(", ", FIELDS.stream().sorted().toList()));
            }
        }
        JsonNode opNode = present(node, "op");
        if (opNode == null) {
            throw new ProgramException("op", "is required; expected one of " + Op.wireNames());
        }
        if (!opNode.isTextual()) {
            throw new ProgramException("op", "must be a string; expected one of " + Op.wireNames());
        }
        Op op = Op.fromWireName(opNode.asText());
        long imm = integer(node, "imm", 0, 255);
        String dataUrl = text(node, "data_url");
        String dataText = text(node, "data");
        byte[] data = dataText == null || dataUrl != null ? null : decodeBase64(dataText);
        if (dataText != null && dataUrl != null) {
            throw new ProgramException("data", "exactly one of data and data_url is required, got both");
        }
        long offset = integer(node, "offset", 0, Program.MAX_POSITION);
        long length = integer(node, "length", Program.TO_END, Program.MAX_POSITION);
        OptionalLong fnvState = fnvState(text(node, "fnv_state"));
        ObjectVersion version = parseVersion(present(node, "version"));
        return new Program(op, (int) imm, dataUrl, data, offset, length, fnvState, version);
    }

    /** The program as JSON; {@link #parse} of the result gives an equivalent program. */
    public static ObjectNode write(Program program) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("op", program.op().wireName());
        node.put("imm", program.imm());
        if (program.dataUrl() != null) {
            node.put("data_url", program.dataUrl());
        } else {
            node.put("data", Base64.getEncoder().encodeToString(program.data()));
        }
        node.put("offset", program.offset());
        if (program.length() != Program.TO_END) {
            node.put("length", program.length());
        }
        program.fnvState().ifPresent(state -> node.put("fnv_state", Fnv64.toHex(state)));
        if (program.version() != null) {
            node.set("version", write(program.version()));
        }
        return node;
    }

    /** A version as its JSON object: {@code etag} or {@code last_modified}, and {@code size} when known. */
    public static ObjectNode write(ObjectVersion version) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        if (version.etag() != null) {
            node.put("etag", version.etag());
        }
        if (version.lastModified() != null) {
            node.put("last_modified", version.lastModified());
        }
        if (version.sizeKnown()) {
            node.put("size", version.size());
        }
        return node;
    }

    /**
     * A program's {@code version}: an object of {@code etag} or {@code last_modified}, and
     * {@code size}; null for null. Errors name the field {@code version}.
     */
    public static ObjectVersion parseVersion(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (!node.isObject()) {
            throw new ProgramException(
                    "version", "must be an object {\"etag\" or \"last_modified\", \"size\"}, got " + describe(node));
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!VERSION_FIELDS.contains(name)) {
                throw new ProgramException(
                        "version", name + " is not a version field; expected etag, last_modified, size");
            }
        }
        String etag = versionText(node, "etag");
        String lastModified = versionText(node, "last_modified");
        JsonNode size = present(node, "size");
        long bytes = ObjectVersion.UNKNOWN_SIZE;
        if (size != null) {
            boolean integral =
                    size.isNumber() && (size.isIntegralNumber() || size.doubleValue() == Math.rint(size.doubleValue()));
            if (!integral || size.doubleValue() < 0 || size.doubleValue() > Program.MAX_POSITION) {
                throw new ProgramException(
                        "version",
                        "size must be an integer 0.." + Program.MAX_POSITION + ", got "
                                + (size.isNumber() ? size.asText() : describe(size)));
            }
            bytes = size.longValue();
        }
        return new ObjectVersion(etag, lastModified, bytes);
    }

    private static String versionText(JsonNode node, String field) {
        JsonNode value = present(node, field);
        if (value != null && !value.isTextual()) {
            throw new ProgramException("version", field + " must be a string");
        }
        return value == null ? null : value.asText();
    }

    /** Decodes standard base64 with optional padding, refusing anything else by name. */
    public static byte[] decodeBase64(String text) {
        if (!standardBase64(text)) {
            throw new ProgramException(
                    "data", "is not valid standard base64 (A-Z a-z 0-9 + /, optional = padding, no whitespace)");
        }
        return Base64.getDecoder().decode(text);
    }

    /** {@link #BASE64}'s rule without the regex engine (inline data can be a megabyte). */
    static boolean standardBase64(String s) {
        int n = s.length();
        if (n % 4 == 1) {
            return false;
        }
        int pad = n > 0 && s.charAt(n - 1) == '=' ? (n > 1 && s.charAt(n - 2) == '=' ? 2 : 1) : 0;
        if (pad > 0 && n % 4 != 0) {
            return false;
        }
        for (int i = 0; i < n - pad; i++) {
            char c = s.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/')) {
                return false;
            }
        }
        return true;
    }

    private static OptionalLong fnvState(String hex) {
        if (hex == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Fnv64.parseHex(hex));
        } catch (IllegalArgumentException e) {
            throw new ProgramException("fnv_state", "must be 16 hexadecimal digits, got '" + hex + "'");
        }
    }

    private static JsonNode present(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = present(node, field);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            throw new ProgramException(field, "must be a string");
        }
        return value.asText();
    }

    /**
     * An integer field within {@code 0..max}. Integral JSON numbers are accepted however they are
     * written ({@code 5} or {@code 5.0}), as JavaScript cannot tell them apart; strings, fractions
     * and out-of-range values are refused, showing the value as it was sent.
     */
    private static long integer(JsonNode node, String field, long absent, long max) {
        JsonNode value = present(node, field);
        if (value == null) {
            return absent;
        }
        String expected = "an integer 0.." + max;
        if (!value.isNumber()) {
            throw new ProgramException(field, "must be " + expected + ", got " + describe(value));
        }
        boolean integral = value.isIntegralNumber() || value.doubleValue() == Math.rint(value.doubleValue());
        if (!integral || value.doubleValue() < 0 || value.doubleValue() > max) {
            throw new ProgramException(field, "must be " + expected + ", got " + value.asText());
        }
        return value.longValue();
    }

    private static String describe(JsonNode value) {
        return switch (value.getNodeType()) {
            case STRING -> "a string";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> value.getNodeType().name().toLowerCase();
        };
    }
}
