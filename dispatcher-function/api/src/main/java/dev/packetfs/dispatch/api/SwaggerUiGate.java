package dev.packetfs.dispatch.api;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Who may open Swagger UI ({@code /q/swagger-ui}, where the server includes it): with
 * {@code packetfs.api.swagger-ui=loopback} (the default) only a browser on this machine, with
 * {@code on} anyone who reaches the server, with {@code off} nobody (404). It holds no data: it
 * reads the open document at {@code /q/openapi}, and what it sends needs the API key as any
 * request does.
 */
@Singleton
public class SwaggerUiGate {
    static final String PATH = "/q/swagger-ui";
    /** Ahead of the API key check, which lets the UI's files through. */
    private static final int PRIORITY = ApiKeyFilter.PRIORITY + 10;

    /** {@code packetfs.api.swagger-ui}. */
    public enum Mode {
        LOOPBACK,
        ON,
        OFF
    }

    private final Mode mode;

    SwaggerUiGate(ApiConfig api) {
        this.mode = api.swaggerUi();
    }

    void register(@Observes Filters filters) {
        filters.register(this::handle, PRIORITY);
    }

    private void handle(RoutingContext rc) {
        String path = rc.normalizedPath();
        if ((path.equals(PATH) || path.startsWith(PATH + "/"))
                && !admits(mode, rc.request().remoteAddress())) {
            rc.response().setStatusCode(404).end();
            return;
        }
        rc.next();
    }

    /** Whether a request from {@code remote} may open the UI. */
    static boolean admits(Mode mode, SocketAddress remote) {
        return switch (mode) {
            case ON -> true;
            case OFF -> false;
            case LOOPBACK -> remote != null && remote.hostAddress() != null && isLoopback(remote.hostAddress());
        };
    }

    /** A literal address only (never a name to look up): 127.0.0.0/8 or ::1. */
    private static boolean isLoopback(String literal) {
        if (!literal.matches("[0-9a-fA-F:.]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
