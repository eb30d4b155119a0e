package dev.packetfs.dispatch.substrate.lambda;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * worker-lambda, invoked with the AWS SDK (credentials from the default provider chain):
 * {@code packetfs.substrates.lambda.*}.
 */
@ConfigMapping(prefix = "packetfs.substrates.lambda")
public interface LambdaConfig {
    /** Name or ARN; unset: no {@code lambda} substrate. */
    Optional<String> functionName();

    /** A version or alias (e.g. {@code live} for SnapStart); unset: $LATEST. */
    Optional<String> qualifier();

    @WithDefault("us-east-1")
    String region();

    /** An endpoint override: LocalStack, an emulator. Unset: AWS. */
    Optional<URI> endpoint();

    /** The function's configured memory, the GB of GB-seconds. */
    @WithDefault("1024")
    int memoryMb();

    @WithDefault("60s")
    Duration maxDuration();

    /** At most the function's reserved concurrency. */
    @WithDefault("32")
    int maxConcurrency();

    /** 1 GB busy for an hour at list price, for the score's cost term. */
    @WithDefault("0.06")
    double costPerHourUsd();

    @WithDefault("30ms")
    Duration expectedLatency();
}
