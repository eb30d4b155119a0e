package dev.packetfs.kernel;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The five byte operations of a PacketFS program, with their wire names and result fields. */
public enum Op {
    COUNTEQ("counteq", "count"),
    CRC32C("crc32c", "checksum"),
    FNV64("fnv64", "hash"),
    XOR("xor", "result"),
    ADD("add", "result");

    private final String wireName;
    private final String resultField;

    Op(String wireName, String resultField) {
        this.wireName = wireName;
        this.resultField = resultField;
    }

    /** The name used in program JSON, e.g. {@code "crc32c"}. */
    public String wireName() {
        return wireName;
    }

    /** The result object's field that carries this op's value, e.g. {@code "checksum"}. */
    public String resultField() {
        return resultField;
    }

    /** The op with this wire name; names are exact (lower case), as docs/kernel.md spells them. */
    public static Op fromWireName(String name) {
        for (Op op : values()) {
            if (op.wireName.equals(name)) {
                return op;
            }
        }
        throw new ProgramException("op", "unknown op '" + name + "'; expected one of " + wireNames());
    }

    public static String wireNames() {
        return Arrays.stream(values()).map(Op::wireName).collect(Collectors.joining(", "));
    }
}
