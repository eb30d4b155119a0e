package dev.packetfs.dispatch.runtime;

import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.flyio.FlyAdapter;
import dev.packetfs.dispatch.substrate.lambda.LambdaAdapter;
import dev.packetfs.dispatch.substrate.lambda.LambdaSettings;
import java.util.ArrayList;
import java.util.List;

/** The remote substrates whose endpoints are configured: a deployment is configuration, not code. */
final class RemoteSubstrates {

    private RemoteSubstrates() {}

    static List<SubstrateAdapter> fromConfig(PacketfsConfig config) {
        List<SubstrateAdapter> adapters = new ArrayList<>();
        PacketfsConfig.Flyio fly = config.substrates().flyio();
        fly.url().ifPresent(url -> {
            String token = fly.token().or(() -> config.worker().token()).orElseThrow(() -> new IllegalStateException(
                    "packetfs.substrates.flyio.url is set but no token: set PACKETFS_WORKER_TOKEN"));
            adapters.add(new FlyAdapter(url, token, new FlyAdapter.FlySettings(fly.costPerHourUsd(), fly.expectedLatency(),
                    fly.maxMemoryMb(), fly.maxDuration(), fly.maxConcurrency())));
        });
        PacketfsConfig.Lambda lambda = config.substrates().lambda();
        lambda.functionName().ifPresent(name -> {
            LambdaSettings settings = new LambdaSettings(name, lambda.qualifier().orElse(null), lambda.region(),
                    lambda.endpoint(), lambda.memoryMb(), lambda.maxDuration(), lambda.maxConcurrency(),
                    lambda.costPerHourUsd(), lambda.expectedLatency());
            adapters.add(new LambdaAdapter(settings.client(null), settings));
        });
        return adapters;
    }
}
