package dev.packetfs.dispatch.substrate.local;

import dev.packetfs.dispatch.runtime.SubstrateModule;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.protocol.fetch.WindowFetcher;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The {@code local} substrate, on unless {@code packetfs.local.enabled=false}. It reads windows
 * with the dispatcher's own fetcher and its address rules; programs that fetch run on their own
 * threads, so a slow origin never stalls the dispatch loop.
 */
@ApplicationScoped
public class LocalModule implements SubstrateModule {
    private final LocalConfig config;
    private final WindowFetcher fetcher;
    private final ExecutorService fetchExecutor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "packetfs-local-fetch");
        t.setDaemon(true);
        return t;
    });

    LocalModule(LocalConfig config, WindowFetcher fetcher) {
        this.config = config;
        this.fetcher = fetcher;
    }

    @Override
    public String name() {
        return LocalSubstrate.NAME;
    }

    /** The dispatcher's own machine: paid for whether or not it computes. */
    @Override
    public Map<String, BigDecimal> listPrices() {
        return Map.of();
    }

    @Override
    public Optional<SubstrateAdapter> adapter() {
        if (!config.enabled()) {
            return Optional.empty();
        }
        return Optional.of(new LocalSubstrate(
                fetcher, fetchExecutor, config.maxConcurrency(), config.maxMemoryMb(), config.maxDuration()));
    }

    @PreDestroy
    void stop() {
        fetchExecutor.shutdownNow();
    }
}
