package dev.packetfs.dispatch.substrate.cloudrun;

import dev.packetfs.dispatch.runtime.DeploymentSecrets;
import dev.packetfs.dispatch.runtime.SubstrateModule;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.worker.WorkerHttpAdapter;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;

/** The {@code cloudrun} substrate, offered when {@code packetfs.substrates.cloudrun.url} is set. */
@ApplicationScoped
public class CloudRunModule implements SubstrateModule {
    private final CloudRunConfig config;
    private final DeploymentSecrets secrets;

    CloudRunModule(CloudRunConfig config, DeploymentSecrets secrets) {
        this.config = config;
        this.secrets = secrets;
    }

    @Override
    public String name() {
        return CloudRunAdapter.NAME;
    }

    /**
     * Request-based billing in a tier 1 region: $0.40 per million requests, $0.000024 per
     * vCPU-second and $0.0000025 per GiB-second (list price, 2026; the free tier not deducted).
     */
    @Override
    public Map<String, BigDecimal> listPrices() {
        return Map.of(
                "requests",
                new BigDecimal("0.0000004"),
                "vcpu_seconds",
                new BigDecimal("0.000024"),
                "gib_seconds",
                new BigDecimal("0.0000025"));
    }

    @Override
    public Optional<SubstrateAdapter> adapter() {
        return config.url()
                .map(url -> new CloudRunAdapter(
                        url,
                        secrets.workerTokenFor(config.token(), "packetfs.substrates.cloudrun.url"),
                        new WorkerHttpAdapter.Settings(
                                config.costPerHourUsd(),
                                config.expectedLatency(),
                                config.maxMemoryMb(),
                                config.maxDuration(),
                                config.maxConcurrency()),
                        config.cpu()));
    }
}
