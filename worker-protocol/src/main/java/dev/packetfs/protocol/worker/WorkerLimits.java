package dev.packetfs.protocol.worker;

import java.time.Duration;

/**
 * What one worker accepts.
 *
 * @param maxBodyBytes the largest {@code /compute} body (inline data travels in it, base64)
 * @param maxDuration the longest a job may run here; a longer {@code timeout_ms} is cut to it
 * @param maxConcurrency computations at once; one more is answered {@code busy} (429)
 * @param maxMemoryMb what the worker advertises in {@code /health}
 */
public record WorkerLimits(long maxBodyBytes, Duration maxDuration, int maxConcurrency, int maxMemoryMb) {

    /** 6 MiB bodies: the payload limit of a synchronous Lambda invoke, so a job fits everywhere. */
    public static final long DEFAULT_MAX_BODY_BYTES = 6L * 1024 * 1024;
}
