package dev.packetfs.dispatch.substrate.browser.socket;

import dev.packetfs.dispatch.substrate.browser.BrowserConfig;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.List;

/**
 * Refuses the {@code /browser} handshake (403) from pages whose {@code Origin} is not allowed:
 * by default only pages this dispatcher serves; {@code packetfs.browser.allowed-origins} adds
 * sites that embed the runtime, or {@code *}. A handshake without {@code Origin} comes from a
 * program, not a page, and is untrusted like every node anyway.
 */
@ApplicationScoped
public class OriginCheck implements HttpUpgradeCheck {

    @Inject
    BrowserConfig config;

    @Override
    public boolean appliesTo(String endpointId) {
        return endpointId.equals(BrowserSocket.class.getName());
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        String origin = context.httpRequest().getHeader("Origin");
        String host = context.httpRequest().getHeader("Host");
        return allowed(origin, host, config.allowedOrigins().orElse(List.of()))
                ? CheckResult.permitUpgrade()
                : CheckResult.rejectUpgrade(403);
    }

    static boolean allowed(String origin, String host, List<String> allowedOrigins) {
        if (origin == null) {
            return true;
        }
        for (String allowed : allowedOrigins) {
            if (allowed.equals("*") || allowed.equalsIgnoreCase(origin)) {
                return true;
            }
        }
        try {
            URI o = URI.create(origin);
            String originHost = o.getPort() < 0 ? o.getHost() : o.getHost() + ":" + o.getPort();
            return host != null && originHost != null && originHost.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
