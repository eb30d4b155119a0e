package dev.packetfs.dispatch.substrate.browser;

import dev.packetfs.dispatch.runtime.SubstrateModule;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code browser} substrate, offered where volunteers can join: an edge coordinator
 * ({@code packetfs.browser.edge-url}), or this dispatcher's own WebSocket (browser-socket, in the
 * long-running server). Its capacity is whatever volunteers are connected, none at first.
 */
@ApplicationScoped
public class BrowserModule implements SubstrateModule {
    private final Instance<BrowserSubstrate> browsers;
    private final BrowserConfig config;
    private final Instance<VolunteerSocket> sockets;

    BrowserModule(Instance<BrowserSubstrate> browsers, BrowserConfig config, Instance<VolunteerSocket> sockets) {
        this.browsers = browsers;
        this.config = config;
        this.sockets = sockets;
    }

    @Override
    public String name() {
        return BrowserSubstrate.NAME;
    }

    /**
     * Volunteers are not paid; the edge coordinator is: each lease is a Workers request
     * ($0.30 per million), Durable Object requests ($0.15 per million) and 128 MB of an object's
     * time while it waits for the answer ($12.50 per million GB-seconds; list prices, 2026).
     */
    @Override
    public Map<String, BigDecimal> listPrices() {
        return Map.of(
                "requests",
                new BigDecimal("0.0000003"),
                "do_requests",
                new BigDecimal("0.00000015"),
                "do_gb_seconds",
                new BigDecimal("0.0000125"));
    }

    @Override
    public Optional<SubstrateAdapter> adapter() {
        return config.edgeUrl().isPresent() || sockets.isResolvable() ? Optional.of(browsers.get()) : Optional.empty();
    }
}
