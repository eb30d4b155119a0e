package dev.packetfs.worker.flyio;

import dev.packetfs.protocol.fetch.FetchLimits;
import dev.packetfs.protocol.fetch.PublicAddressPolicy;
import dev.packetfs.protocol.fetch.WindowFetcher;
import dev.packetfs.protocol.worker.ComputeWorker;
import dev.packetfs.protocol.worker.WorkerLimits;
import dev.packetfs.protocol.worker.WorkerToken;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;

/**
 * The Fly.io worker: the shared {@link ComputeWorker} and the token that guards it. Built at
 * start-up, so a missing or short {@code PACKETFS_WORKER_TOKEN} stops the process before it
 * listens rather than on the first request.
 */
@Startup
@Singleton
public class FlyWorker {
    private final WorkerToken token;
    private final WindowFetcher fetcher;
    private final ComputeWorker compute;

    FlyWorker(FlyWorkerConfig config) {
        this.token = WorkerToken.require(config.worker().token().orElse(null));
        FlyWorkerConfig.Fetch fetch = config.fetch();
        FlyWorkerConfig.Worker worker = config.worker();
        this.fetcher = new WindowFetcher(
                new FetchLimits(
                        fetch.maxWindowBytes(), fetch.connectTimeout(), worker.maxDuration(), fetch.maxRedirects()),
                PublicAddressPolicy.allowing(fetch.allowHosts().orElse("")));
        this.compute = new ComputeWorker(
                fetcher,
                new WorkerLimits(
                        worker.maxBodyBytes(), worker.maxDuration(), worker.maxConcurrency(), worker.maxMemoryMb()),
                worker.location());
    }

    WorkerToken token() {
        return token;
    }

    ComputeWorker compute() {
        return compute;
    }

    @PreDestroy
    void close() throws IOException {
        fetcher.close();
    }
}
