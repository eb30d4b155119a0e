package dev.packetfs.dispatch.lambda.url;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import dev.packetfs.testing.LoopbackSecretsManager;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A first deploy before the operator has put a Redis URL in its secret: the secret still holds the
 * CDK app's placeholder. The API answers 503 saying a secret is missing and where to look, and
 * the log (not the caller) names the secret and the command that fills it.
 */
@QuarkusTest
@TestProfile(FunctionUrlPlaceholderIT.Placeholder.class)
@QuarkusTestResource(value = FunctionUrlPlaceholderIT.Secrets.class, restrictToAnnotatedClass = true)
class FunctionUrlPlaceholderIT {
    static final String REDIS_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:packetfs/redis-url-CCCCCC";
    static LoopbackSecretsManager service;

    public static class Placeholder implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("packetfs.redis.url-secret-arn", REDIS_ARN);
        }
    }

    public static class Secrets implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            service = LoopbackSecretsManager.startAsSdkDefault();
            // What the CDK app writes when it creates the secret (infra: DispatcherStack.REDIS_URL_PLACEHOLDER).
            service.put(REDIS_ARN, "REPLACE-ME with your rediss:// URL");
            return Map.of();
        }

        @Override
        public void stop() {
            service.close();
        }
    }

    @Test
    void aPlaceholderRedisUrlIsAClear503() {
        given().contentType("application/json")
                .body("{\"program\":{\"op\":\"add\",\"data\":\"AQID\"}}")
                .post("/jobs")
                .then()
                .statusCode(503)
                .body("error", containsString("cannot read a secret it needs; its log says which"))
                .body("error", not(containsString(REDIS_ARN)));
    }
}
