package dev.packetfs.dispatch.api;

import dev.packetfs.dispatch.runtime.DeploymentSecrets;
import dev.packetfs.protocol.http.BodyReader;
import dev.packetfs.protocol.worker.BearerSecret;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * With {@code PACKETFS_API_KEY} set, every request needs {@code Authorization: Bearer <key>}:
 * the API, and Quarkus' own {@code /q/*} (Prometheus metrics) too. Open are {@code /health} for
 * load balancers, {@code /dashboard} and its scripts and styles under {@code /dashboard/} (a page
 * with no data of its own: it asks for the key and then calls {@code /metrics}), the volunteer
 * runtime's files and WebSocket ({@code /browser}, which checks the page's Origin), and the API's
 * OpenAPI document ({@code /q/openapi}; {@code /openapi} on the function URL), which describes the
 * routes and holds no data.
 *
 * <p>A Vert.x route filter, on the event loop, ahead of every route: the key is checked from the
 * headers alone, before any of the body is read, and then {@link BodyReader} reads the body
 * without holding a worker thread, with or without a key.
 */
@Singleton
public class ApiKeyFilter {
    private static final Logger LOG = Logger.getLogger(ApiKeyFilter.class);
    /** Route order -1: after Quarkus' check of a declared Content-Length (order -2), before any route. */
    static final int PRIORITY = 1;

    private final DeploymentSecrets secrets;
    /** Null until the key is known: on Lambda it is read from Secrets Manager at the first request. */
    private volatile Optional<BearerSecret> key;

    private final BodyReader bodies;

    ApiKeyFilter(
            DeploymentSecrets secrets,
            ApiConfig api,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K") MemorySize maxBody) {
        this.secrets = secrets;
        this.key = secrets.apiKeyKnown() ? secrets.apiKey().map(BearerSecret::new) : null;
        this.bodies = new BodyReader(
                maxBody.asLongValue(),
                api.bodyTimeout(),
                (rc, status, message) -> BodyReader.answerNow(rc, status, ApiErrors.json(null, message)));
    }

    void register(@Observes Filters filters) {
        filters.register(this::handle, PRIORITY);
    }

    private void handle(RoutingContext rc) {
        Optional<BearerSecret> known = key;
        if (known == null) {
            // Read off the event loop, once; the request stays paused (its body unread) meanwhile.
            rc.vertx()
                    .executeBlocking(() -> secrets.apiKey().map(BearerSecret::new), false)
                    .onComplete(read -> {
                        if (read.failed()) {
                            LOG.errorf(
                                    "the API key is unavailable: %s",
                                    read.cause().getMessage());
                            BodyReader.answerNow(rc, 503, ApiErrors.json(null, ApiErrors.SECRET_UNAVAILABLE));
                            return;
                        }
                        key = read.result();
                        handle(rc);
                    });
            return;
        }
        BearerSecret required = known.orElse(null);
        if (required != null && !isOpen(rc.normalizedPath())) {
            String header = rc.request().getHeader(HttpHeaders.AUTHORIZATION);
            if (!required.presentedIn(header)) {
                rc.response().putHeader("WWW-Authenticate", "Bearer");
                BodyReader.answerNow(
                        rc,
                        401,
                        ApiErrors.json(
                                null,
                                header == null
                                        ? "this API needs Authorization: Bearer <PACKETFS_API_KEY>"
                                        : "wrong API key"));
                return;
            }
        }
        bodies.readThenNext(rc);
    }

    /** What anyone may read: health, the dashboard's page, the volunteers' door, the API's description. */
    private static boolean isOpen(String path) {
        return path.equals("/health")
                || path.equals("/q/openapi")
                || path.equals("/openapi")
                || path.equals(SwaggerUiGate.PATH)
                || path.startsWith(SwaggerUiGate.PATH + "/")
                || path.equals("/dashboard")
                || path.startsWith("/dashboard/")
                || path.equals("/browser")
                || path.equals("/browser-runtime")
                || path.startsWith("/browser-runtime/");
    }
}
