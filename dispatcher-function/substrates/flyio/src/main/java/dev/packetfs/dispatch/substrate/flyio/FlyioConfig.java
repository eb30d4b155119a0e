package dev.packetfs.dispatch.substrate.flyio;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** worker-flyio machines behind a Fly.io app URL: {@code packetfs.substrates.flyio.*}. */
@ConfigMapping(prefix = "packetfs.substrates.flyio")
public interface FlyioConfig {
    /** {@code https://<app>.fly.dev}; unset: no {@code flyio} substrate. */
    Optional<URI> url();

    /** Defaults to {@code packetfs.worker.token}. */
    Optional<String> token();

    /** Jobs in flight across the app: machines × their concurrency limit. */
    @WithDefault("64")
    int maxConcurrency();

    /** A running shared-cpu-1x machine, for the score's cost term. */
    @WithDefault("0.0028")
    double costPerHourUsd();

    @WithDefault("40ms")
    Duration expectedLatency();

    @WithDefault("512")
    int maxMemoryMb();

    @WithDefault("60s")
    Duration maxDuration();
}
