package dev.packetfs.dispatch.runtime;

import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.cloudflare.CloudflareAdapter;
import dev.packetfs.dispatch.substrate.flyio.FlyAdapter;
import dev.packetfs.dispatch.substrate.lambda.LambdaAdapter;
import dev.packetfs.dispatch.substrate.lambda.LambdaSettings;
import dev.packetfs.dispatch.substrate.worker.WorkerHttpAdapter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The remote substrates whose endpoints are configured: a deployment is configuration, not code. */
final class RemoteSubstrates {

    private RemoteSubstrates() {}

    static List<SubstrateAdapter> fromConfig(PacketfsConfig config, DeploymentSecrets secrets) {
        List<SubstrateAdapter> adapters = new ArrayList<>();
        PacketfsConfig.Flyio fly = config.substrates().flyio();
        fly.url().ifPresent(url -> adapters.add(new FlyAdapter(url, token(fly.token(), secrets, "packetfs.substrates.flyio.url"),
                new WorkerHttpAdapter.Settings(fly.costPerHourUsd(), fly.expectedLatency(), fly.maxMemoryMb(), fly.maxDuration(),
                        fly.maxConcurrency()))));
        PacketfsConfig.Cloudflare cloudflare = config.substrates().cloudflare();
        cloudflare.url().ifPresent(url -> adapters.add(new CloudflareAdapter(url, token(cloudflare.token(), secrets,
                "packetfs.substrates.cloudflare.url"), new WorkerHttpAdapter.Settings(cloudflare.costPerHourUsd(),
                cloudflare.expectedLatency(), cloudflare.maxMemoryMb(), cloudflare.maxDuration(), cloudflare.maxConcurrency()))));
        PacketfsConfig.Lambda lambda = config.substrates().lambda();
        lambda.functionName().ifPresent(name -> {
            LambdaSettings settings = new LambdaSettings(name, lambda.qualifier().orElse(null), lambda.region(),
                    lambda.endpoint(), lambda.memoryMb(), lambda.maxDuration(), lambda.maxConcurrency(),
                    lambda.costPerHourUsd(), lambda.expectedLatency());
            adapters.add(new LambdaAdapter(settings.client(null), settings));
        });
        return adapters;
    }

    /** The substrate's own token, else the shared worker token; a configured URL without one is an error. */
    private static String token(Optional<String> own, DeploymentSecrets secrets, String urlKey) {
        return own.or(secrets::workerToken).orElseThrow(() -> new IllegalStateException(
                urlKey + " is set but no token: set PACKETFS_WORKER_TOKEN (or PACKETFS_WORKER_TOKEN_SECRET_ARN)"));
    }
}
