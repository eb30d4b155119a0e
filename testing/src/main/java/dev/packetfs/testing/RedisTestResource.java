package dev.packetfs.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** A real redis-server of the test's own for a {@code @QuarkusTest}, wired in as {@code packetfs.redis.url}. */
public class RedisTestResource implements QuarkusTestResourceLifecycleManager {
    private RedisServer server;

    @Override
    public Map<String, String> start() {
        server = RedisServer.start();
        return Map.of("packetfs.redis.url", server.url());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
