package dev.packetfs.protocol.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.packetfs.protocol.fetch.FetchException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one error vocabulary of every worker (Lambda, Fly.io, Cloudflare, the local substrate): a
 * code on the wire ({@code "error_code"}) and the HTTP status it travels with. A dispatcher
 * adapter decides retry, failover or failure from the status alone. The statuses, and what each
 * code means, are in {@code worker-protocol/spec/worker-errors.json}, which the Cloudflare Worker
 * reads too; this enum names the codes and loads their statuses from there.
 */
public enum WorkerError {
    BAD_REQUEST,
    UNAUTHORIZED,
    ADDRESS_REFUSED,
    TOO_LARGE,
    OBJECT_CHANGED,
    ORIGIN_REJECTED,
    BUSY,
    INTERNAL,
    ORIGIN_FAILED,
    ORIGIN_TIMEOUT;

    static final String RESOURCE = "/dev/packetfs/protocol/spec/worker-errors.json";

    public int httpStatus() {
        return Table.STATUS.get(this);
    }

    /** The code as it appears in {@code "error_code"}, e.g. {@code address_refused}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when the same request may succeed later or elsewhere. */
    public boolean transientFailure() {
        return httpStatus() >= 500 || this == BUSY;
    }

    public static WorkerError of(FetchException e) {
        return switch (e.kind()) {
            case ADDRESS_REFUSED -> ADDRESS_REFUSED;
            case TOO_LARGE -> TOO_LARGE;
            case TIMEOUT -> ORIGIN_TIMEOUT;
            case IO -> ORIGIN_FAILED;
            case HTTP_STATUS -> e.transientFailure() ? ORIGIN_FAILED : ORIGIN_REJECTED;
            case BAD_REPLY -> ORIGIN_REJECTED;
            case OBJECT_CHANGED -> OBJECT_CHANGED;
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

    /** The statuses of worker-errors.json; every code of the enum must be there, and nothing else. */
    private static final class Table {
        static final Map<WorkerError, Integer> STATUS = load();

        private static Map<WorkerError, Integer> load() {
            JsonNode table;
            try (InputStream in = WorkerError.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is missing from the class path");
                }
                table = new ObjectMapper().readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + RESOURCE, e);
            }
            Map<WorkerError, Integer> status = new EnumMap<>(WorkerError.class);
            for (JsonNode entry : table.required("errors")) {
                String code = entry.required("code").asText();
                WorkerError error = fromCode(code);
                if (error == null) {
                    throw new IllegalStateException(RESOURCE + " names " + code + ", which WorkerError does not know");
                }
                status.put(error, entry.required("status").asInt());
            }
            if (status.size() != values().length) {
                throw new IllegalStateException(RESOURCE + " lacks a status for some of " + List.of(values()));
            }
            return status;
        }
    }
}
