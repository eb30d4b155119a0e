package dev.packetfs.protocol.fetch;

import dev.packetfs.kernel.ObjectVersion;

/**
 * What a probe learned of an object: its size, whether its origin serves byte ranges, and the
 * validators it answered with.
 *
 * @param bytes the object's size; -1 when the origin did not say
 * @param ranges true when the origin answers a Range request with 206 (or 416) rather than the
 *     whole object
 * @param etag the answer's {@code ETag} as sent, or null
 * @param lastModified the answer's {@code Last-Modified} as sent, or null
 */
public record ObjectSize(long bytes, boolean ranges, String etag, String lastModified) {

    public ObjectSize(long bytes, boolean ranges) {
        this(bytes, ranges, null, null);
    }

    public boolean known() {
        return bytes >= 0;
    }

    /** The version a plan pins (docs/kernel.md#versions), or null when the origin said nothing to check. */
    public ObjectVersion version() {
        return ObjectVersion.pin(etag, lastModified, bytes);
    }
}
