package dev.packetfs.dispatch.api;

import dev.packetfs.dispatch.runtime.PacketfsConfig;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * With {@code PACKETFS_API_KEY} set, every API call needs {@code Authorization: Bearer <key>}.
 * {@code /health} stays open for load balancers, {@code /dashboard} (a page with no data of its
 * own: it asks for the key and then calls {@code /metrics}), and the volunteer runtime's files.
 */
public class ApiKeyFilter {

    // Filters are created while the application starts, before runtime configuration is
    // readable; the key is looked up at the first request instead.
    @Inject
    Provider<PacketfsConfig> config;

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> requireKey(ContainerRequestContext request) {
        Optional<String> key = config.get().apiKey().filter(k -> !k.isEmpty());
        if (key.isEmpty()) {
            return Optional.empty();
        }
        String path = request.getUriInfo().getPath();
        // The volunteer runtime is public: any page may load it and join.
        if (path.equals("/health") || path.equals("/dashboard") || path.startsWith("/browser-runtime")) {
            return Optional.empty();
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String expected = "Bearer " + key.get();
        // Constant-time comparison: response timing must not reveal how much of a guess was right.
        if (header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8))) {
            return Optional.empty();
        }
        Response denied = ApiErrors.response(Response.Status.UNAUTHORIZED, null,
                header == null ? "this API needs Authorization: Bearer <PACKETFS_API_KEY>" : "wrong API key");
        return Optional.of(Response.fromResponse(denied).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build());
    }
}
