package dev.packetfs.dispatch.substrate.lambda;

import dev.packetfs.dispatch.runtime.SubstrateModule;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;

/** The {@code lambda} substrate, offered when {@code packetfs.substrates.lambda.function-name} is set. */
@ApplicationScoped
public class LambdaModule implements SubstrateModule {
    private final LambdaConfig config;

    LambdaModule(LambdaConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return LambdaAdapter.NAME;
    }

    /** x86 in us-east-1: $0.20 per million requests, $0.0000166667 per GB-second (list price, 2026). */
    @Override
    public Map<String, BigDecimal> listPrices() {
        return Map.of("requests", new BigDecimal("0.0000002"), "gb_seconds", new BigDecimal("0.0000166667"));
    }

    @Override
    public Optional<SubstrateAdapter> adapter() {
        return config.functionName().map(name -> {
            LambdaSettings settings = new LambdaSettings(
                    name,
                    config.qualifier().orElse(null),
                    config.region(),
                    config.endpoint(),
                    config.memoryMb(),
                    config.maxDuration(),
                    config.maxConcurrency(),
                    config.costPerHourUsd(),
                    config.expectedLatency());
            return new LambdaAdapter(settings.client(null), settings);
        });
    }
}
