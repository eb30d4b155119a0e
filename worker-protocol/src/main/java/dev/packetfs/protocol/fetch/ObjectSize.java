package dev.packetfs.protocol.fetch;

/**
 * What a probe learned of an object: its size, and whether its origin serves byte ranges.
 *
 * @param bytes the object's size; -1 when the origin did not say
 * @param ranges true when the origin answers a Range request with 206 (or 416) rather than the
 *     whole object
 */
public record ObjectSize(long bytes, boolean ranges) {

    public boolean known() {
        return bytes >= 0;
    }
}
