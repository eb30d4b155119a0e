package dev.packetfs.dispatch.lambda.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.dispatch.runtime.SubstrateModule;
import dev.packetfs.dispatch.select.SubstrateSelector;
import dev.packetfs.testing.RedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The drain carries the {@code browser} substrate without WebSockets of its own: it offers it when
 * its volunteers are at an edge coordinator ({@code packetfs.browser.edge-url}), which here has
 * none connected (a closed port), so it reports itself down and a selector keeps work elsewhere.
 * Without an edge coordinator it does not offer it at all ({@link DrainHandlerIT}'s drain).
 */
@QuarkusTest
@QuarkusTestResource(RedisTestResource.class)
@TestProfile(DrainVolunteersIT.AtTheEdge.class)
class DrainVolunteersIT {

    public static class AtTheEdge implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "packetfs.browser.edge-url",
                    "http://127.0.0.1:9",
                    "packetfs.worker.token",
                    "drain-test-token-0123456789");
        }
    }

    @Inject
    @Any
    Instance<SubstrateModule> modules;

    @Inject
    SubstrateSelector selector;

    @Test
    void theVolunteersAtTheEdgeAreOffered() {
        assertTrue(selector.names().contains("browser"), selector.names().toString());
        SubstrateModule browser = modules.stream()
                .filter(m -> m.name().equals("browser"))
                .findFirst()
                .orElseThrow();
        assertFalse(
                browser.adapter().orElseThrow().currentHealth().orElseThrow().healthy(), "nobody there yet");
        assertEquals(0, browser.adapter().orElseThrow().capacity());
    }
}
