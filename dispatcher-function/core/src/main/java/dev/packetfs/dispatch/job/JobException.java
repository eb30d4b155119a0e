package dev.packetfs.dispatch.job;

/**
 * A job that breaks the rules of docs/jobs.md. Names the field at fault ({@code program.imm},
 * {@code max_cost_usd}...) so the API can answer 400 with what to fix; nothing is queued.
 */
public class JobException extends IllegalArgumentException {
    private final String field;

    public JobException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
