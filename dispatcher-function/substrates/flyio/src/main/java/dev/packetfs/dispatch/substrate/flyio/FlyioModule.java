package dev.packetfs.dispatch.substrate.flyio;

import dev.packetfs.dispatch.runtime.DeploymentSecrets;
import dev.packetfs.dispatch.runtime.SubstrateModule;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.worker.WorkerHttpAdapter;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;

/** The {@code flyio} substrate, offered when {@code packetfs.substrates.flyio.url} is set. */
@ApplicationScoped
public class FlyioModule implements SubstrateModule {
    private final FlyioConfig config;
    private final DeploymentSecrets secrets;

    FlyioModule(FlyioConfig config, DeploymentSecrets secrets) {
        this.config = config;
        this.secrets = secrets;
    }

    @Override
    public String name() {
        return FlyAdapter.NAME;
    }

    /** A shared-cpu-1x machine with 256 MB, per second it runs (Fly.io's list price, 2026). */
    @Override
    public Map<String, BigDecimal> listPrices() {
        return Map.of("machine_seconds", new BigDecimal("0.00000078"));
    }

    @Override
    public Optional<SubstrateAdapter> adapter() {
        return config.url()
                .map(url -> new FlyAdapter(
                        url,
                        secrets.workerTokenFor(config.token(), "packetfs.substrates.flyio.url"),
                        new WorkerHttpAdapter.Settings(
                                config.costPerHourUsd(),
                                config.expectedLatency(),
                                config.maxMemoryMb(),
                                config.maxDuration(),
                                config.maxConcurrency())));
    }
}
