package dev.packetfs.dispatch.substrate.browser.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import org.junit.jupiter.api.Test;

class BrowserRuntimeResourceTest {

    @Test
    void volunteersOfThisDispatcherAreToldNothing() {
        assertEquals("{}", BrowserRuntimeResource.runtimeConfig(null));
    }

    @Test
    void volunteersAtTheEdgeAreSentToItsWebSocket() {
        assertEquals(
                "{\"coordinator\":\"wss://packetfs-worker.example.workers.dev/browser\"}",
                BrowserRuntimeResource.runtimeConfig(URI.create("https://packetfs-worker.example.workers.dev")));
        assertEquals(
                "{\"coordinator\":\"ws://127.0.0.1:8787/browser\"}",
                BrowserRuntimeResource.runtimeConfig(URI.create("http://127.0.0.1:8787/")));
        assertEquals(
                "{\"coordinator\":\"wss://edge.example/browser\"}",
                BrowserRuntimeResource.runtimeConfig(URI.create("https://edge.example/some/path")));
    }
}
