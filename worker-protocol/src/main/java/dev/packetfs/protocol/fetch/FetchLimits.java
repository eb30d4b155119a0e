package dev.packetfs.protocol.fetch;

import java.time.Duration;

/**
 * Bounds on one fetch.
 *
 * @param maxWindowBytes the largest window read; a longer one fails with {@code TOO_LARGE}
 * @param connectTimeout time to open a connection
 * @param totalTimeout time for the whole window, redirects included
 * @param maxRedirects redirects followed, each re-checked against the address policy
 */
public record FetchLimits(long maxWindowBytes, Duration connectTimeout, Duration totalTimeout, int maxRedirects) {

    public static FetchLimits defaults() {
        return new FetchLimits(1L << 30, Duration.ofSeconds(5), Duration.ofSeconds(60), 3);
    }
}
