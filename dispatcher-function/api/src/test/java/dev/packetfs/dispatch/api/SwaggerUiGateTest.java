package dev.packetfs.dispatch.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.Test;

/** Who may open Swagger UI: decided from the peer's literal address, nothing is looked up or connected. */
class SwaggerUiGateTest {
    private static SocketAddress from(String host) {
        return SocketAddress.inetSocketAddress(40000, host);
    }

    @Test
    void loopbackAdmitsOnlyThisMachine() {
        assertTrue(SwaggerUiGate.admits(SwaggerUiGate.Mode.LOOPBACK, from("127.0.0.1")));
        assertTrue(SwaggerUiGate.admits(SwaggerUiGate.Mode.LOOPBACK, from("127.8.9.10")));
        assertTrue(SwaggerUiGate.admits(SwaggerUiGate.Mode.LOOPBACK, from("::1")));
        assertFalse(SwaggerUiGate.admits(SwaggerUiGate.Mode.LOOPBACK, from("10.0.0.7")));
        assertFalse(SwaggerUiGate.admits(SwaggerUiGate.Mode.LOOPBACK, from("203.0.113.9")));
        assertFalse(SwaggerUiGate.admits(SwaggerUiGate.Mode.LOOPBACK, from("2001:db8::1")));
        assertFalse(SwaggerUiGate.admits(SwaggerUiGate.Mode.LOOPBACK, null));
    }

    @Test
    void onAdmitsAnyoneAndOffNobody() {
        assertTrue(SwaggerUiGate.admits(SwaggerUiGate.Mode.ON, from("203.0.113.9")));
        assertFalse(SwaggerUiGate.admits(SwaggerUiGate.Mode.OFF, from("127.0.0.1")));
    }
}
