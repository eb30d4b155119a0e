package dev.packetfs.dispatch.substrate.cloudflare;

import dev.packetfs.dispatch.runtime.DeploymentSecrets;
import dev.packetfs.dispatch.runtime.SubstrateModule;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.worker.WorkerHttpAdapter;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;

/** The {@code cloudflare} substrate, offered when {@code packetfs.substrates.cloudflare.url} is set. */
@ApplicationScoped
public class CloudflareModule implements SubstrateModule {
    private final CloudflareConfig config;
    private final DeploymentSecrets secrets;

    CloudflareModule(CloudflareConfig config, DeploymentSecrets secrets) {
        this.config = config;
        this.secrets = secrets;
    }

    @Override
    public String name() {
        return CloudflareAdapter.NAME;
    }

    /** Workers Standard: $0.30 per million requests, $0.02 per million CPU milliseconds (list price, 2026). */
    @Override
    public Map<String, BigDecimal> listPrices() {
        return Map.of("requests", new BigDecimal("0.0000003"), "cpu_ms", new BigDecimal("0.00000002"));
    }

    @Override
    public Optional<SubstrateAdapter> adapter() {
        return config.url()
                .map(url -> new CloudflareAdapter(
                        url,
                        secrets.workerTokenFor(config.token(), "packetfs.substrates.cloudflare.url"),
                        new WorkerHttpAdapter.Settings(
                                config.costPerHourUsd(),
                                config.expectedLatency(),
                                config.maxMemoryMb(),
                                config.maxDuration(),
                                config.maxConcurrency())));
    }
}
