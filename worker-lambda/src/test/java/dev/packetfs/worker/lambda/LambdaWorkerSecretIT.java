package dev.packetfs.worker.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.packetfs.testing.LoopbackSecretsManager;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Deployed, the worker token is in Secrets Manager and only its ARN in the environment: the
 * function starts without reading it (SnapStart would freeze the value), reads it at the first
 * function URL request through the real AWS SDK (against {@link LoopbackSecretsManager}), and keeps
 * it. A direct Invoke, authorised by IAM, never needs it.
 */
@QuarkusTest
@TestProfile(LambdaWorkerSecretIT.FromSecret.class)
@QuarkusTestResource(value = LambdaWorkerSecretIT.SecretsService.class, restrictToAnnotatedClass = true)
class LambdaWorkerSecretIT {
    static final String ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:packetfs/worker-token-Q1w2E3";
    static final String TOKEN = "token-from-the-secret-0123456789";
    /** counteq of '9' over "999". */
    static final String PROGRAM = "{\"job_id\":\"s1\",\"program\":{\"op\":\"counteq\",\"imm\":57,\"data\":\"OTk5\"}}";

    static LoopbackSecretsManager service;

    public static class FromSecret implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("packetfs.worker.token", "", "packetfs.worker.token-secret-arn", ARN);
        }
    }

    /** The endpoint, region and credentials the SDK reads from system properties, as on Lambda from the environment. */
    public static class SecretsService implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            service = LoopbackSecretsManager.startAsSdkDefault();
            return Map.of();
        }

        @Override
        public void stop() {
            service.close();
        }
    }

    private static JsonNode url(String authorization) throws Exception {
        JsonNode response = LambdaWorkerIT.invoke(LambdaWorkerIT.urlEvent("POST", "/compute", authorization, PROGRAM));
        return response;
    }

    @Test
    void theTokenIsReadAtTheFirstFunctionUrlRequestThenKept() throws Exception {
        assertTrue(service.asked.isEmpty(), "nothing read at init: " + service.asked);
        JsonNode direct = LambdaWorkerIT.invoke(PROGRAM);
        assertEquals(3, direct.get("result").get("count").asLong(), direct.toString());
        assertTrue(service.asked.isEmpty(), "a direct Invoke needs no token");

        // The secret does not exist yet: the worker says its own configuration is at fault.
        JsonNode missing = url("Bearer " + TOKEN);
        assertEquals(500, missing.get("statusCode").asInt(), missing.toString());
        JsonNode body = new ObjectMapper().readTree(missing.get("body").asText());
        assertEquals("internal", body.get("error_code").asText());
        assertTrue(body.get("error").asText().contains(ARN), body.toString());

        service.put(ARN, TOKEN);
        JsonNode ok = url("Bearer " + TOKEN);
        assertEquals(200, ok.get("statusCode").asInt(), ok.toString());
        assertEquals(
                3,
                new ObjectMapper()
                        .readTree(ok.get("body").asText())
                        .get("result")
                        .get("count")
                        .asLong());
        assertEquals(401, url("Bearer wrong-token-0123456789").get("statusCode").asInt());
        assertEquals(
                List.of("secretsmanager.GetSecretValue " + ARN, "secretsmanager.GetSecretValue " + ARN),
                service.asked,
                "read again after the failure, then kept");
    }
}
