package dev.packetfs.dispatch.lambda.url;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.testing.LoopbackSecretsManager;
import dev.packetfs.testing.RedisServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The function as the CDK app deploys it: only the ARNs of the Redis URL and API key secrets in
 * its environment. Init reads no secret and opens no Redis connection (SnapStart would freeze
 * both); the first request reads the API key, the first use of the queue reads the Redis URL and
 * connects. Real: the handler, the AWS SDK, a redis-server; Secrets Manager is
 * {@link LoopbackSecretsManager}.
 */
@QuarkusTest
@TestProfile(FunctionUrlSecretsIT.FromSecrets.class)
@QuarkusTestResource(value = FunctionUrlSecretsIT.Secrets.class, restrictToAnnotatedClass = true)
class FunctionUrlSecretsIT {
    static final String REDIS_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:packetfs/redis-url-AAAAAA";
    static final String KEY_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:packetfs/api-key-BBBBBB";
    static final String KEY = "api-key-from-secrets-manager-0123";
    static LoopbackSecretsManager service;
    static RedisServer redis;
    /** Connections redis-server had accepted before the function started. */
    static long acceptedBefore;

    public static class FromSecrets implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("packetfs.redis.url-secret-arn", REDIS_ARN, "packetfs.api-key-secret-arn", KEY_ARN);
        }
    }

    /** A redis-server, and the endpoint, region and credentials the SDK reads, as on Lambda from the environment. */
    public static class Secrets implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            redis = RedisServer.start();
            acceptedBefore = connectionsAccepted();
            service = LoopbackSecretsManager.startAsSdkDefault();
            service.put(REDIS_ARN, redis.url());
            service.put(KEY_ARN, KEY);
            return Map.of();
        }

        @Override
        public void stop() {
            service.close();
            redis.close();
        }
    }

    /** Connections redis-server has accepted, this query's own included. */
    private static long connectionsAccepted() {
        String info = redis.cli("INFO", "stats");
        return info.lines()
                .filter(l -> l.startsWith("total_connections_received:"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).strip()))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void secretsAreReadAtFirstUseAndRedisIsNotTouchedAtInit() {
        assertTrue(service.asked.isEmpty(), "no secret read at init: " + service.asked);
        assertEquals(acceptedBefore + 1, connectionsAccepted(), "no Redis connection at init, only this query's");

        given().contentType("application/json")
                .body("{\"program\":{\"op\":\"add\",\"data\":\"AQID\"}}")
                .post("/jobs")
                .then()
                .statusCode(401);
        assertEquals(
                List.of("secretsmanager.GetSecretValue " + KEY_ARN), service.asked, "the key, at the first request");

        given().header("Authorization", "Bearer " + KEY)
                .contentType("application/json")
                .body("{\"job_id\":\"sec-1\",\"program\":{\"op\":\"add\",\"data\":\"AQID\"}}")
                .post("/jobs")
                .then()
                .statusCode(202)
                .body("job_id", equalTo("sec-1"));
        given().header("Authorization", "Bearer " + KEY)
                .get("/jobs/sec-1")
                .then()
                .statusCode(200)
                .body("state", equalTo("queued"));
        assertEquals(
                List.of("secretsmanager.GetSecretValue " + KEY_ARN, "secretsmanager.GetSecretValue " + REDIS_ARN),
                service.asked,
                "the Redis URL at the queue's first use, and each secret once");
        assertEquals(
                "1", redis.cli("XLEN", "packetfs:jobs:stream").strip(), "the job is on the Redis the secret named");
    }
}
