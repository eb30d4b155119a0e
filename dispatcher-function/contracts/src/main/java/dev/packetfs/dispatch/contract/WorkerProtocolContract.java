package dev.packetfs.dispatch.contract;

import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import java.net.URI;
import org.junit.jupiter.api.AfterEach;

/**
 * The contract for a substrate whose workers speak the worker protocol over HTTP (flyio, cloudrun,
 * cloudflare): the subclass starts its runtime once, with {@link #WORKER_SLOTS} jobs at once, and
 * says how to build its adapter for a URL and a token; the adapter with a wrong token and the one
 * pointed where nothing listens come from the same factory.
 */
public abstract class WorkerProtocolContract extends SubstrateAdapterContract {
    /** Jobs the worker takes at once before it answers 429. */
    protected static final int WORKER_SLOTS = 4;

    private static final URI NOTHING_LISTENS = URI.create("http://127.0.0.1:9");
    private static final String WRONG_TOKEN = "not-the-token-0123456789";

    private SubstrateAdapter adapter;

    /** The substrate's adapter for the worker at {@code url}, sending {@code token}. */
    protected abstract SubstrateAdapter adapterFor(URI url, String token);

    /** The running worker's root URL. */
    protected abstract URI workerUrl();

    /** The token the running worker requires. */
    protected abstract String workerToken();

    @Override
    protected SubstrateAdapter adapter() {
        if (adapter == null) {
            adapter = adapterFor(workerUrl(), workerToken());
        }
        return adapter;
    }

    @AfterEach
    void closeAdapter() {
        if (adapter != null) {
            adapter.close();
        }
    }

    @Override
    protected SubstrateAdapter adapterWithWrongCredentials() {
        return adapterFor(workerUrl(), WRONG_TOKEN);
    }

    @Override
    protected SubstrateAdapter unreachableAdapter() {
        return adapterFor(NOTHING_LISTENS, workerToken());
    }

    @Override
    protected int capacity() {
        return WORKER_SLOTS;
    }
}
