package dev.packetfs.dispatch.substrate.browser;

import dev.packetfs.dispatch.runtime.SubstrateModule;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code browser} substrate, offered wherever this module is (the long-running server): its
 * capacity is whatever volunteers are connected, none at first.
 */
@ApplicationScoped
public class BrowserModule implements SubstrateModule {
    private final Instance<BrowserSubstrate> browsers;

    BrowserModule(Instance<BrowserSubstrate> browsers) {
        this.browsers = browsers;
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
        return Optional.of(browsers.get());
    }
}
