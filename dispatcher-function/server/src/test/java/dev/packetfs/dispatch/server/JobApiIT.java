package dev.packetfs.dispatch.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetfs.dispatch.queue.JobQueue;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HTTP API on the embedded queue: jobs in, results out, and bad input refused by name. */
@QuarkusTest
class JobApiIT {

    @Inject
    JobQueue queue;

    static Response awaitResult(String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Response r = given().get("/results/" + id);
            if (r.statusCode() == 200) {
                return r;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no result for " + id);
    }

    @Test
    void aJobRunsAndItsResultIsServed() throws Exception {
        given().contentType(ContentType.JSON)
                .body("{\"job_id\":\"api-1\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}}")
                .post("/jobs")
                .then()
                .statusCode(202)
                .body("job_id", equalTo("api-1"))
                .body("queued", equalTo(true));
        awaitResult("api-1")
                .then()
                .body("status", equalTo("succeeded"))
                .body("substrate", equalTo("local"))
                .body("result.checksum", equalTo(3808858755L))
                .body("result.bytes_processed", equalTo(9))
                .body("attempts", equalTo(1))
                .body("cost_usd", equalTo(0));
        given().get("/jobs/api-1").then().statusCode(200).body("state", equalTo("succeeded"));
    }

    @Test
    void aMissingJobIdIsAssignedAndTheSameIdRunsOnce() throws Exception {
        String id = given().contentType(ContentType.JSON)
                .body("{\"program\":{\"op\":\"add\",\"imm\":1,\"data\":\"AQID\"}}")
                .post("/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("job_id");
        awaitResult(id).then().body("result.result", equalTo(9));
        given().contentType(ContentType.JSON)
                .body("{\"job_id\":\"" + id + "\",\"program\":{\"op\":\"add\",\"data\":\"AQID\"}}")
                .post("/jobs")
                .then()
                .statusCode(202)
                .body("queued", equalTo(false));
        awaitResult(id).then().body("result.result", equalTo(9));
    }

    @Test
    void aBatchIsValidatedWholeBeforeAnythingIsQueued() throws Exception {
        long before = queue.books().depth().ready() + queue.books().depth().inFlight();
        given().contentType(ContentType.JSON)
                .body("[{\"job_id\":\"b-ok\",\"program\":{\"op\":\"xor\",\"data\":\"AQID\"}},"
                        + "{\"job_id\":\"b-bad\",\"program\":{\"op\":\"xor\",\"offset\":-1,\"data\":\"AQID\"}}]")
                .post("/jobs")
                .then()
                .statusCode(400)
                .body("field", equalTo("[1].program.offset"));
        given().get("/jobs/b-ok").then().statusCode(404);
        given().contentType(ContentType.JSON)
                .body("[{\"job_id\":\"b-1\",\"program\":{\"op\":\"xor\",\"data\":\"AQID\"}},"
                        + "{\"job_id\":\"b-2\",\"program\":{\"op\":\"fnv64\",\"data\":\"\"}}]")
                .post("/jobs")
                .then()
                .statusCode(202)
                .body("[1].job_id", equalTo("b-2"));
        awaitResult("b-2").then().body("result.hash", equalTo("cbf29ce484222325"));
        awaitResult("b-1").then().body("result.result", equalTo(0));
        assertEquals(
                before, queue.books().depth().ready() + queue.books().depth().inFlight());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "malformed JSON | {\"program\": | job",
                "empty body | ' ' | job",
                "not an object | 42 | job",
                "unknown op | {\"program\":{\"op\":\"md5\",\"data\":\"AA==\"}} | program.op",
                "imm too big | {\"program\":{\"op\":\"counteq\",\"imm\":256,\"data\":\"AA==\"}} | program.imm",
                "negative offset | {\"program\":{\"op\":\"add\",\"offset\":-3,\"data\":\"AA==\"}} | program.offset",
                "fractional length | {\"program\":{\"op\":\"add\",\"length\":1.5,\"data\":\"AA==\"}} | program.length",
                "both data and data_url | {\"program\":{\"op\":\"add\",\"data\":\"AA==\",\"data_url\":\"https://x.example/\"}} | program.data",
                "neither data nor data_url | {\"program\":{\"op\":\"add\"}} | program.data",
                "bad base64 | {\"program\":{\"op\":\"add\",\"data\":\"A\"}} | program.data",
                "ftp data_url | {\"program\":{\"op\":\"add\",\"data_url\":\"ftp://x.example/o\"}} | program.data_url",
                "no program | {\"job_id\":\"x\"} | program",
                "bad job_id | {\"job_id\":\"a b\",\"program\":{\"op\":\"add\",\"data\":\"AA==\"}} | job_id",
                "unknown substrate | {\"substrate\":\"mainframe\",\"program\":{\"op\":\"add\",\"data\":\"AA==\"}} | substrate",
                "negative max cost | {\"max_cost_usd\":-1,\"program\":{\"op\":\"add\",\"data\":\"AA==\"}} | max_cost_usd",
                "zero memory | {\"required_memory_mb\":0,\"program\":{\"op\":\"add\",\"data\":\"AA==\"}} | required_memory_mb",
                "gpu as string | {\"requires_gpu\":\"yes\",\"program\":{\"op\":\"add\",\"data\":\"AA==\"}} | requires_gpu",
                "unknown job field | {\"priority\":1,\"program\":{\"op\":\"add\",\"data\":\"AA==\"}} | priority",
                "empty batch | [] | jobs",
            })
    void badInputGets400NamingTheFieldAndQueuesNothing(String what, String body, String field) {
        long before = queue.books().depth().ready()
                + queue.books().depth().inFlight()
                + queue.books().depth().delayed();
        given().contentType(ContentType.JSON)
                .body(body)
                .post("/jobs")
                .then()
                .statusCode(400)
                .body("field", equalTo(field))
                .body("error", startsWith(field.equals("job") || field.equals("jobs") ? field : field + ":"));
        assertEquals(
                before,
                queue.books().depth().ready()
                        + queue.books().depth().inFlight()
                        + queue.books().depth().delayed(),
                what);
    }

    @Test
    void oversizeInlineDataIsRefused() {
        String big = java.util.Base64.getEncoder().encodeToString(new byte[1_048_577]);
        given().contentType(ContentType.JSON)
                .body("{\"program\":{\"op\":\"add\",\"data\":\"" + big + "\"}}")
                .post("/jobs")
                .then()
                .statusCode(400)
                .body("field", equalTo("program.data"));
    }

    @Test
    void anOversizeBodyIsRefusedBeforeItIsRead() throws Exception {
        // As curl does for large bodies: announce it with Expect: 100-continue, and the server
        // answers 413 from the headers alone.
        var client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .build();
        var request = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://localhost:" + io.restassured.RestAssured.port + "/jobs"))
                .expectContinue(true)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[9 * 1024 * 1024]))
                .build();
        assertEquals(
                413,
                client.send(request, java.net.http.HttpResponse.BodyHandlers.discarding())
                        .statusCode());
    }

    @Test
    void unknownAndPendingResultsAreTold() {
        given().get("/results/never-submitted").then().statusCode(404).body("field", equalTo("job_id"));
        given().get("/jobs/never-submitted").then().statusCode(404);
        given().get("/results/bad%20id").then().statusCode(400).body("field", equalTo("job_id"));
    }

    @Test
    void metricsHealthAndDashboardAnswer() throws Exception {
        given().contentType(ContentType.JSON)
                .body("{\"job_id\":\"m-1\",\"program\":{\"op\":\"counteq\",\"imm\":1,\"data\":\"AQEB\"}}")
                .post("/jobs");
        awaitResult("m-1");
        given().get("/metrics")
                .then()
                .statusCode(200)
                .body("substrates.local.jobs", org.hamcrest.Matchers.greaterThan(0))
                .body("substrates.local.live.breaker", equalTo("closed"))
                .body("queue.dead", equalTo(0));
        given().get("/health")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("queue", equalTo("in-memory"));
        given().get("/dashboard")
                .then()
                .statusCode(200)
                .contentType("text/html")
                .body(org.hamcrest.Matchers.containsString("cost per provider"));
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(org.hamcrest.Matchers.containsString("packetfs_executions_total"));
    }
}
