package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.testing.RedisServer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The published Redis contract of docs/redis-keys.md, driven with the real redis-cli against a running dispatcher. */
class RedisCliCompatibilityIT {

    @Test
    void lpushAJobAndGetItsResult() throws Exception {
        try (RedisServer redis = RedisServer.start();
                DispatcherProcess dispatcher = DispatcherProcess.start("cli", redis.url(), Map.of())) {
            redis.cli(
                    "LPUSH",
                    "packetfs:jobs:queue",
                    "{\"job_id\":\"from-cli\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}}");
            redis.cli(
                    "LPUSH",
                    "packetfs:jobs:queue",
                    "{\"job_id\":\"bad-from-cli\",\"program\":{\"op\":\"crc32c\",\"imm\":999,\"data\":\"AA==\"}}");
            String text = "";
            for (int i = 0; i < 200 && text.isEmpty(); i++) {
                Thread.sleep(50);
                text = redis.cli("GET", "packetfs:results:from-cli");
            }
            JsonNode result = JobJson.readTree(text);
            assertEquals("succeeded", result.get("status").asText());
            assertEquals(3808858755L, result.get("result").get("checksum").asLong());
            assertEquals("local", result.get("substrate").asText());

            JsonNode bad = JobJson.readTree(redis.cli("GET", "packetfs:results:bad-from-cli"));
            assertEquals("failed", bad.get("status").asText());
            assertTrue(bad.get("error").asText().contains("program.imm"), bad.toString());

            long ttl = Long.parseLong(redis.cli("TTL", "packetfs:results:from-cli"));
            assertTrue(ttl > 23 * 3600 && ttl <= 24 * 3600, "kept 24 h: " + ttl);
            assertFalse(redis.cli("LRANGE", "packetfs:metrics", "0", "-1").isEmpty(), "execution records");
            assertEquals("0", redis.cli("LLEN", "packetfs:jobs:queue"));
        }
    }
}
