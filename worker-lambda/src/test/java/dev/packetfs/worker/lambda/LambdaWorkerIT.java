package dev.packetfs.worker.lambda;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.testing.GoldenVectors;
import dev.packetfs.testing.RangeOrigin;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The handler as Lambda calls it: every event is POSTed raw to Quarkus' mock event server, which
 * runs it through the same QuarkusStreamHandler entry point the deployed function.zip uses. Real
 * here: the handler, the kernel, the fetcher and a loopback Range origin. Not here: Lambda's own
 * service (IAM, the Invoke API); see the dispatcher's LambdaAdapter tests for that side.
 */
@QuarkusTest
class LambdaWorkerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "Bearer test-token-0123456789";
    private static RangeOrigin origin;

    @BeforeAll
    static void startOrigin() throws Exception {
        origin = new RangeOrigin();
        origin.put("digits", "123456789".getBytes(StandardCharsets.US_ASCII));
    }

    @AfterAll
    static void stopOrigin() {
        origin.close();
    }

    static JsonNode invoke(String payload) throws Exception {
        String answer = given().contentType("application/json")
                .body(payload)
                .post()
                .then()
                .statusCode(200)
                .extract()
                .asString();
        return JSON.readTree(answer);
    }

    /** A function URL event, payload format 2.0, as Lambda delivers it. */
    static String urlEvent(String method, String path, String authorization, String body) {
        ObjectNode event = JSON.createObjectNode();
        event.put("version", "2.0");
        event.put("routeKey", "$default");
        event.put("rawPath", path);
        event.put("rawQueryString", "");
        ObjectNode headers = event.putObject("headers");
        headers.put("content-type", "application/json");
        if (authorization != null) {
            headers.put("authorization", authorization);
        }
        ObjectNode http = event.putObject("requestContext").putObject("http");
        http.put("method", method);
        http.put("path", path);
        http.put("sourceIp", "203.0.113.7");
        if (body != null) {
            event.put("body", Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)));
            event.put("isBase64Encoded", true);
        }
        return event.toString();
    }

    @Test
    void directInvokesPassTheKernelVectors() throws Exception {
        int run = 0;
        for (GoldenVectors.Case c : GoldenVectors.cases()) {
            ObjectNode program = ((ObjectNode) c.program()).deepCopy();
            if (c.object() != null) {
                byte[] object = GoldenVectors.objectBytes(c.object());
                if (object.length > 256 * 1024) {
                    continue; // the large objects run through data_url in the adapter contract test
                }
                program = GoldenVectors.inlined(c, object);
            }
            JsonNode answer = invoke("{\"job_id\":\"v" + run + "\",\"program\":" + program + "}");
            assertTrue(answer.get("success").booleanValue(), c.name() + ": " + answer);
            assertTrue(GoldenVectors.sameJson(c.expected(), answer.get("result")), c.name() + ": " + answer);
            assertEquals(
                    c.expected().get("bytes_processed").longValue(),
                    answer.get("bytes_processed").longValue());
            run++;
        }
        assertTrue(run > 3000, "only " + run + " vectors ran");
    }

    @Test
    void directInvokeReportsBilledUnitsAndLocation() throws Exception {
        JsonNode answer = invoke("{\"job_id\":\"b1\",\"program\":{\"op\":\"crc32c\",\"data_url\":\""
                + origin.url("/ranged/digits") + "\"}}");
        assertEquals(3808858755L, answer.get("result").get("checksum").longValue(), answer.toString());
        assertEquals("b1", answer.get("job_id").asText());
        assertEquals("local", answer.get("location").asText());
        assertTrue(answer.get("billed").get("duration_ms").longValue() >= 1);
        assertEquals(1024, answer.get("billed").get("memory_mb").intValue());
    }

    @Test
    void invocationsShareOneConnectionPool() throws Exception {
        // Lambda keeps an environment for thousands of invocations under a 1,024-descriptor
        // limit: a handler (and its fetcher) made anew per invocation would leak a socket each time.
        int before = origin.connections();
        for (int i = 0; i < 20; i++) {
            JsonNode answer = invoke("{\"job_id\":\"p" + i + "\",\"program\":{\"op\":\"add\",\"data_url\":\""
                    + origin.url("/ranged/digits") + "\"}}");
            assertTrue(answer.get("success").booleanValue(), answer.toString());
        }
        assertTrue(
                origin.connections() - before <= 1,
                (origin.connections() - before) + " connections for 20 invocations");
    }

    @Test
    void directInvokeBadInputAnswersWithTheErrorVocabulary() throws Exception {
        JsonNode bad = invoke("{\"job_id\":\"b2\",\"program\":{\"op\":\"add\",\"imm\":300,\"data\":\"\"}}");
        assertFalse(bad.get("success").booleanValue());
        assertEquals("bad_request", bad.get("error_code").asText());
        assertTrue(bad.get("error").asText().startsWith("imm:"), bad.toString());
        JsonNode both = invoke("{\"program\":{\"op\":\"add\",\"data\":\"\",\"data_url\":\"http://example.com/\"}}");
        assertEquals("bad_request", both.get("error_code").asText());
    }

    @Test
    void directInvokeRefusesPrivateAndMetadataAddresses() throws Exception {
        for (String url : new String[] {
            "http://169.254.169.254/latest/meta-data/iam/",
            "http://10.0.0.1/x",
            "http://[fd00:ec2::254]/latest/",
            "http://[fdaa::3]/x",
            "http://100.64.0.1/x"
        }) {
            JsonNode answer = invoke("{\"program\":{\"op\":\"xor\",\"data_url\":\"" + url + "\"}}");
            assertEquals("address_refused", answer.path("error_code").asText(), url + " → " + answer);
        }
    }

    @Test
    void functionUrlComputeNeedsTheToken() throws Exception {
        String job = "{\"job_id\":\"u1\",\"program\":{\"op\":\"counteq\",\"imm\":49,\"data_url\":\""
                + origin.url("/ranged/digits") + "\"}}";
        long before = origin.requests();
        for (String auth : new String[] {null, "Bearer wrong-token-0123456789", "test-token-0123456789"}) {
            JsonNode response = invoke(urlEvent("POST", "/compute", auth, job));
            assertEquals(401, response.get("statusCode").intValue(), String.valueOf(auth));
            assertEquals(
                    "Bearer", response.get("headers").get("www-authenticate").asText());
            assertEquals(
                    "unauthorized",
                    JSON.readTree(response.get("body").asText())
                            .get("error_code")
                            .asText());
        }
        assertEquals(before, origin.requests(), "a refused request reached the origin");

        JsonNode ok = invoke(urlEvent("POST", "/compute", TOKEN, job));
        assertEquals(200, ok.get("statusCode").intValue(), ok.toString());
        JsonNode body = JSON.readTree(ok.get("body").asText());
        assertEquals(1, body.get("result").get("count").intValue());
        assertTrue(body.has("billed"));
    }

    @Test
    void functionUrlMapsErrorsToStatusCodes() throws Exception {
        JsonNode bad = invoke(urlEvent("POST", "/compute", TOKEN, "{\"program\":{\"op\":\"nope\",\"data\":\"\"}}"));
        assertEquals(400, bad.get("statusCode").intValue());
        assertTrue(JSON.readTree(bad.get("body").asText()).get("error").asText().startsWith("op:"));
        JsonNode refused = invoke(urlEvent(
                "POST", "/compute", TOKEN, "{\"program\":{\"op\":\"xor\",\"data_url\":\"http://127.0.0.2:1/x\"}}"));
        assertEquals(400, refused.get("statusCode").intValue(), refused.toString());
        JsonNode missing = invoke(urlEvent("GET", "/nothing", null, null));
        assertEquals(404, missing.get("statusCode").intValue());
        JsonNode health = invoke(urlEvent("GET", "/health", null, null));
        assertEquals(200, health.get("statusCode").intValue());
        assertEquals(
                5,
                JSON.readTree(health.get("body").asText())
                        .get("capabilities")
                        .get("ops")
                        .size());
    }
}
