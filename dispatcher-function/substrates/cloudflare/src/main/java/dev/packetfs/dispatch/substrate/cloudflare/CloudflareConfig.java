package dev.packetfs.dispatch.substrate.cloudflare;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** worker-cloudflare on Cloudflare Workers: {@code packetfs.substrates.cloudflare.*}. */
@ConfigMapping(prefix = "packetfs.substrates.cloudflare")
public interface CloudflareConfig {
    /** {@code https://packetfs-worker.<account>.workers.dev}; unset: no {@code cloudflare} substrate. */
    Optional<URI> url();

    /** Defaults to {@code packetfs.worker.token}. */
    Optional<String> token();

    /** Jobs in flight at once; Cloudflare adds isolates as needed, each takes 32. */
    @WithDefault("256")
    int maxConcurrency();

    /** An hour of Worker CPU at list price ($0.02 per million CPU ms), for the score's cost term. */
    @WithDefault("0.072")
    double costPerHourUsd();

    @WithDefault("15ms")
    Duration expectedLatency();

    @WithDefault("128")
    int maxMemoryMb();

    /** The Worker's {@code limits.cpu_ms}. */
    @WithDefault("30s")
    Duration maxDuration();
}
