package dev.packetfs.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a program computed over its window.
 *
 * @param value the op's value: a count, an unsigned CRC, the FNV state, an xor byte or a sum
 * @param bytesProcessed bytes in the window after cutting at the object's end
 */
public record KernelResult(Op op, long value, long bytesProcessed) {

    /** The result object of docs/kernel.md, e.g. {@code {"checksum":3808858755,"bytes_processed":9}}. */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        if (op == Op.FNV64) {
            node.put(op.resultField(), Fnv64.toHex(value));
        } else {
            node.put(op.resultField(), value);
        }
        node.put("bytes_processed", bytesProcessed);
        return node;
    }

    /**
     * The same object as {@link #toJson()}, as text, without loading Jackson's databind: it
     * holds one number or hex string and a count, so nothing needs escaping, and {@code pfs exec}
     * starts about 200 ms sooner without the object mapper.
     */
    public String toJsonText() {
        String value = op == Op.FNV64 ? '"' + Fnv64.toHex(this.value) + '"' : Long.toString(this.value);
        return "{\"" + op.resultField() + "\":" + value + ",\"bytes_processed\":" + bytesProcessed + "}";
    }

    /** Reads a result object produced by any runtime for {@code op}. */
    public static KernelResult fromJson(Op op, JsonNode node) {
        JsonNode value = node == null ? null : node.get(op.resultField());
        JsonNode bytes = node == null ? null : node.get("bytes_processed");
        if (value == null || bytes == null || !bytes.canConvertToLong()) {
            throw new IllegalArgumentException("not a " + op.wireName() + " result: " + node);
        }
        if (op == Op.FNV64) {
            return new KernelResult(op, Fnv64.parseHex(value.asText()), bytes.longValue());
        }
        if (!value.canConvertToLong()) {
            throw new IllegalArgumentException("not a " + op.wireName() + " result: " + node);
        }
        return new KernelResult(op, value.longValue(), bytes.longValue());
    }
}
