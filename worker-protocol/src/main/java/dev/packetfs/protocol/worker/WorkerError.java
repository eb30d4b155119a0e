package dev.packetfs.protocol.worker;

import dev.packetfs.protocol.fetch.FetchException;
import java.util.Locale;

/**
 * The one error vocabulary of every worker (Lambda, Fly.io, Cloudflare, the local substrate): a
 * code on the wire ({@code "error_code"}) and the HTTP status it travels with. A dispatcher
 * adapter decides retry, failover or failure from the status alone, so workers in other
 * languages only need to keep this table.
 */
public enum WorkerError {
    /** Malformed JSON, a bad program, a bad timeout: the job is wrong, do not retry. */
    BAD_REQUEST(400),
    /** Missing or wrong bearer token: the caller is misconfigured, no work was done. */
    UNAUTHORIZED(401),
    /**
     * {@code data_url} names an address workers may not fetch from. 400, not 403: the job is at
     * fault, and 401/403 tell an adapter that its own credentials are wrong.
     */
    ADDRESS_REFUSED(400),
    /** The body, the inline data or the window is over this worker's limit. */
    TOO_LARGE(413),
    /** The origin refused the window for good (404, 403, a redirect loop...). */
    ORIGIN_REJECTED(422),
    /** Every slot of this worker is busy: back-pressure, try later. */
    BUSY(429),
    /** The worker itself failed. */
    INTERNAL(500),
    /** The origin failed in a way that may pass (5xx, 429, a broken connection). */
    ORIGIN_FAILED(502),
    /** The origin did not deliver the window within the job's time. */
    ORIGIN_TIMEOUT(504);

    private final int httpStatus;

    WorkerError(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The code as it appears in {@code "error_code"}, e.g. {@code address_refused}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when the same request may succeed later or elsewhere. */
    public boolean transientFailure() {
        return httpStatus >= 500 || this == BUSY;
    }

    public static WorkerError of(FetchException e) {
        return switch (e.kind()) {
            case ADDRESS_REFUSED -> ADDRESS_REFUSED;
            case TOO_LARGE -> TOO_LARGE;
            case TIMEOUT -> ORIGIN_TIMEOUT;
            case IO -> ORIGIN_FAILED;
            case HTTP_STATUS -> e.transientFailure() ? ORIGIN_FAILED : ORIGIN_REJECTED;
        };
    }

    /** The error for a code read off the wire, or null for a code this version does not know. */
    public static WorkerError fromCode(String code) {
        for (WorkerError error : values()) {
            if (error.code().equals(code)) {
                return error;
            }
        }
        return null;
    }
}
