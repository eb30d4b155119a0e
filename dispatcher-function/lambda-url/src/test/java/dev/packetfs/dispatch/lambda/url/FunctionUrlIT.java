package dev.packetfs.dispatch.lambda.url;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.testing.RedisTestResource;
import dev.packetfs.testing.RepositoryPaths;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API as the Lambda function URL serves it: every request goes through Quarkus' mock
 * event server as an API Gateway v2 / function URL event, into the real handler, onto a real Redis.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class FunctionUrlIT {

    @Inject
    JobQueue queue;

    @Test
    void aJobIsQueuedOnTheSharedRedisAndReportedPending() {
        assertEquals("redis", queue.backend());
        given().contentType("application/json")
                .body("{\"job_id\":\"url-1\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}}")
                .post("/jobs")
                .then()
                .statusCode(202)
                .body("job_id", equalTo("url-1"));
        // The function URL only queues: the drain function runs the job.
        given().get("/results/url-1").then().statusCode(202).body("state", equalTo("queued"));
        given().get("/jobs/url-1").then().statusCode(200).body("state", equalTo("queued"));
    }

    @Test
    void badInputIsRefusedAndNothingQueued() {
        long before = queue.books().depth().ready();
        given().contentType("application/json")
                .body("{\"program\":{\"op\":\"crc32c\",\"offset\":-1,\"data\":\"AA==\"}}")
                .post("/jobs")
                .then()
                .statusCode(400)
                .body("field", equalTo("program.offset"));
        assertEquals(before, queue.books().depth().ready());
    }

    @Test
    void aRawFunctionUrlEventReachesTheApi() {
        String event = """
                {"version":"2.0","routeKey":"$default","rawPath":"/jobs","rawQueryString":"",
                 "headers":{"content-type":"application/json"},
                 "requestContext":{"http":{"method":"POST","path":"/jobs","protocol":"HTTP/1.1","sourceIp":"127.0.0.1"}},
                 "body":"{\\"job_id\\":\\"raw-event\\",\\"program\\":{\\"op\\":\\"add\\",\\"data\\":\\"AQID\\"}}",
                 "isBase64Encoded":false}""";
        given().contentType("application/json")
                .body(event)
                .post("/_lambda_")
                .then()
                .statusCode(200)
                .body("statusCode", equalTo(202))
                .body("body", containsString("\"job_id\":\"raw-event\""));
        given().get("/jobs/raw-event").then().statusCode(200);
    }

    @Test
    void healthAndMetricsAnswer() {
        given().get("/health").then().statusCode(200).body("queue", equalTo("redis"));
        given().get("/metrics").then().statusCode(200).body("queue.dead", equalTo(0));
    }

    /**
     * {@code GET /openapi}: the API's OpenAPI document, as docs/openapi.yaml has it but for what
     * only the server serves (the volunteer runtime under /browser-runtime).
     */
    @Test
    void theOpenApiDocumentIsServedAtOpenapi() throws Exception {
        String served = given().get("/openapi").then().statusCode(200).extract().asString();
        String checkedIn = Files.readString(RepositoryPaths.find("docs/openapi.yaml"));
        assertEquals(withoutServerOnlyPaths(checkedIn), served);
    }

    /** The document without its /browser-runtime paths: each path is one block of lines indented by two. */
    private static String withoutServerOnlyPaths(String document) {
        return Pattern.compile("(?m)^  /browser-runtime[^\\n]*:\\n(?:^ {3,}.*\\n)*")
                .matcher(document)
                .replaceAll("");
    }
}
