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

    /** Volunteers are not paid. */
    @Override
    public Map<String, BigDecimal> listPrices() {
        return Map.of();
    }

    @Override
    public Optional<SubstrateAdapter> adapter() {
        return config.edgeUrl().isPresent() || sockets.isResolvable() ? Optional.of(browsers.get()) : Optional.empty();
    }
}
