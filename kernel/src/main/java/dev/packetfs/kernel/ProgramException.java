package dev.packetfs.kernel;

/**
 * A program that breaks the kernel's rules. It always names the offending field so a caller
 * can map it to a 400-class answer that tells the user what to fix.
 */
public class ProgramException extends IllegalArgumentException {
    private final String field;

    public ProgramException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    /** The program field at fault, as spelled in program JSON (e.g. {@code imm}, {@code data_url}). */
    public String field() {
        return field;
    }
}
