package dev.packetfs.dispatch.substrate.local;

import dev.packetfs.dispatch.contract.SubstrateAdapterContract;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.protocol.fetch.FetchLimits;
import dev.packetfs.protocol.fetch.PublicAddressPolicy;
import dev.packetfs.protocol.fetch.WindowFetcher;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * LocalSubstrate ↔ the dispatcher's own fetcher, with the address rules the dispatcher uses
 * (loopback exempted, as {@code packetfs.fetch.allow-hosts} does), reading the contract's origin.
 */
class LocalSubstrateIT extends SubstrateAdapterContract {
    private static final int SLOTS = 8;
    private static WindowFetcher fetcher;
    private static ExecutorService fetchExecutor;
    private static LocalSubstrate adapter;

    @BeforeAll
    static void startFetcher() {
        fetcher = new WindowFetcher(
                new FetchLimits(1 << 30, Duration.ofSeconds(5), Duration.ofSeconds(60), 3),
                PublicAddressPolicy.allowing("127.0.0.1"));
        fetchExecutor = Executors.newCachedThreadPool();
        adapter = new LocalSubstrate(fetcher, fetchExecutor, SLOTS, 2048, Duration.ofMinutes(5));
    }

    @AfterAll
    static void stopFetcher() throws Exception {
        adapter.close();
        fetchExecutor.shutdownNow();
        fetcher.close();
    }

    @Override
    protected SubstrateAdapter adapter() {
        return adapter;
    }

    @Override
    protected SubstrateAdapter adapterWithWrongCredentials() {
        return null;
    }

    @Override
    protected SubstrateAdapter unreachableAdapter() {
        return null;
    }

    @Override
    protected int capacity() {
        return SLOTS;
    }

    @Override
    protected boolean pushesBack() {
        return false;
    }

    /** The dispatcher's own machine bills nothing per job. */
    @Override
    protected Set<String> billedUnits() {
        return Set.of();
    }
}
