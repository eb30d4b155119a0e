package dev.packetfs.dispatch.substrate.lambda;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaAsyncClient;
import software.amazon.awssdk.services.lambda.LambdaAsyncClientBuilder;

/**
 * Where the Lambda worker is and what it offers.
 *
 * @param endpoint an endpoint override (LocalStack, an emulator); empty for AWS itself
 * @param qualifier a version or alias, or null for $LATEST
 * @param memoryMb the function's configured memory (the GB of GB-seconds)
 * @param maxConcurrency invocations at once, at most the function's reserved concurrency
 */
public record LambdaSettings(
        String functionName,
        String qualifier,
        String region,
        Optional<URI> endpoint,
        int memoryMb,
        Duration maxDuration,
        int maxConcurrency,
        double costPerHourUsd,
        Duration expectedLatency) {

    /** The SDK client for these settings; credentials from the default chain unless given. */
    public LambdaAsyncClient client(AwsCredentialsProvider credentials) {
        LambdaAsyncClientBuilder builder = LambdaAsyncClient.builder()
                .region(Region.of(region))
                .credentialsProvider(
                        credentials == null
                                ? DefaultCredentialsProvider.builder().build()
                                : credentials)
                // The dispatcher retries and fails over itself; the SDK's own retries would hide
                // throttling from it and stack delays on top of its backoff.
                .overrideConfiguration(o -> o.retryStrategy(b -> b.maxAttempts(1)))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .maxConcurrency(Math.max(maxConcurrency, 1) * 2)
                        .connectionTimeout(Duration.ofSeconds(5))
                        .readTimeout(maxDuration.plus(Duration.ofSeconds(10))));
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
