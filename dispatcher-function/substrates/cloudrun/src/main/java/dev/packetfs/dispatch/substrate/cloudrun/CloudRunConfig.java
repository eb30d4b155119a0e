package dev.packetfs.dispatch.substrate.cloudrun;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** The worker-flyio image as a Google Cloud Run service: {@code packetfs.substrates.cloudrun.*}. */
@ConfigMapping(prefix = "packetfs.substrates.cloudrun")
public interface CloudRunConfig {
    /** {@code https://<service>-<hash>.<region>.run.app}; unset: no {@code cloudrun} substrate. */
    Optional<URI> url();

    /** Defaults to {@code packetfs.worker.token}. */
    Optional<String> token();

    /** Jobs in flight across the service: instances × each one's {@code --concurrency}. */
    @WithDefault("64")
    int maxConcurrency();

    /** The service's {@code --cpu}: the vCPUs billed per second of instance time. */
    @WithDefault("1")
    double cpu();

    /** The service's {@code --memory}, in MiB: the memory billed per second of instance time. */
    @WithDefault("512")
    int maxMemoryMb();

    /** An instance of 1 vCPU and 512 MiB busy for an hour at list price, for the score's cost term. */
    @WithDefault("0.091")
    double costPerHourUsd();

    @WithDefault("40ms")
    Duration expectedLatency();

    /** The worker's own limit ({@code packetfs.worker.max-duration}), below the service's request timeout. */
    @WithDefault("60s")
    Duration maxDuration();
}
