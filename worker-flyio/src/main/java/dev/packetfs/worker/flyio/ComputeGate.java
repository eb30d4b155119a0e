package dev.packetfs.worker.flyio;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.protocol.http.BodyReader;
import dev.packetfs.protocol.worker.WorkerError;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The bearer token and the body, on the event loop, before the REST layer sees the request: a
 * request without the token is answered {@code 401} from its headers alone, and an authorised
 * body is read by {@link BodyReader} without holding a worker thread. Only {@code /health} is
 * open.
 *
 * <p>A Vert.x route filter rather than a REST filter because reading the body is the point: the
 * REST layer would read it on a worker thread.
 */
@Singleton
public class ComputeGate {
    /** Route order -1: after Quarkus' check of a declared Content-Length (order -2), before any route. */
    private static final int PRIORITY = 1;

    private final FlyWorker worker;
    private final BodyReader bodies;

    ComputeGate(
            FlyWorker worker,
            FlyWorkerConfig config,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K") MemorySize maxBody) {
        this.worker = worker;
        this.bodies = new BodyReader(
                maxBody.asLongValue(),
                config.worker().bodyTimeout(),
                (rc, status, message) -> BodyReader.answerNow(
                        rc,
                        status,
                        failure(message, status == 413 ? WorkerError.TOO_LARGE : null)
                                .toString()));
    }

    void register(@Observes Filters filters) {
        filters.register(this::handle, PRIORITY);
    }

    private void handle(RoutingContext rc) {
        if (rc.normalizedPath().equals("/health")) {
            rc.next();
            return;
        }
        if (!worker.token().accepts(rc.request().getHeader(HttpHeaders.AUTHORIZATION))) {
            rc.response().putHeader("WWW-Authenticate", "Bearer");
            BodyReader.answerNow(
                    rc,
                    401,
                    failure(
                                    "Authorization: Bearer <PACKETFS_WORKER_TOKEN> is missing or wrong",
                                    WorkerError.UNAUTHORIZED)
                            .toString());
            return;
        }
        bodies.readThenNext(rc);
    }

    /** {@code {"success": false, "error", "error_code"?}}: a 408 has no code in the protocol's vocabulary. */
    private static ObjectNode failure(String message, WorkerError error) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("success", false);
        body.put("error", message);
        if (error != null) {
            body.put("error_code", error.code());
        }
        return body;
    }
}
