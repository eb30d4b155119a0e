package dev.packetfs.dispatch.queue;

/** A dead letter that cannot be queued again, with why; the API answers it with 404 or 409. */
public final class JobRequeueException extends RuntimeException {
    private final boolean missing;

    public JobRequeueException(boolean missing, String message) {
        super(message);
        this.missing = missing;
    }

    /** True when there is no such dead letter (404); false when it exists but cannot run again (409). */
    public boolean missing() {
        return missing;
    }
}
