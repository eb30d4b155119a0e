package dev.packetfs.dispatch.fanout;

import dev.packetfs.protocol.fetch.FetchException;
import dev.packetfs.protocol.fetch.ObjectSize;
import java.time.Duration;

/** Learns an object's size and whether its origin serves byte ranges (a HEAD, else a one-byte Range request). */
@FunctionalInterface
public interface ObjectProbe {

    ObjectSize probe(String url, Duration timeout) throws FetchException;
}
