package dev.packetfs.dispatch.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.testing.RangeOrigin;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fan-out jobs and what the dashboard reads, through the HTTP API of a dispatcher on its embedded
 * queue, against a real loopback origin: validation, progress, cancelling, dead letters and
 * their requeue, the series, the live stream and the dashboard's own files.
 */
@QuarkusTest
@TestProfile(FanOutApiIT.Loopback.class)
class FanOutApiIT {
    static final byte[] OBJECT = new byte[6 * 1024 * 1024 + 3];
    static RangeOrigin origin;

    @TestHTTPResource("/")
    URL base;

    public static class Loopback implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "packetfs.fetch.allow-hosts",
                    "127.0.0.1",
                    "packetfs.fanout.max-outstanding",
                    "2",
                    "packetfs.dispatch.initial-backoff",
                    "20ms",
                    "packetfs.dispatch.max-backoff",
                    "50ms");
        }
    }

    @BeforeAll
    static void serve() throws Exception {
        new SplittableRandom(21).nextBytes(OBJECT);
        origin = new RangeOrigin();
        origin.put("obj", OBJECT);
    }

    @AfterAll
    static void stop() {
        origin.close();
    }

    static String job(String id, String op, String url, long windowBytes) {
        return "{\"job_id\":\"" + id + "\",\"program\":{\"op\":\"" + op + "\",\"data_url\":\"" + url
                + "\"},\"window_bytes\":" + windowBytes + "}";
    }

    static Response submit(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/jobs");
    }

    static Response awaitResult(String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            Response r = given().get("/results/" + id);
            if (r.statusCode() == 200) {
                return r;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no result for " + id);
    }

    @Test
    void badFanOutJobsAreRefusedByName() {
        submit("{\"program\":{\"op\":\"add\",\"data\":\"AQID\"},\"window_bytes\":2}")
                .then()
                .statusCode(400)
                .body("field", equalTo("window_bytes"))
                .body("error", startsWith("window_bytes: applies only to a program with data_url"));
        submit(job("x", "add", origin.url("/ranged/obj"), 0))
                .then()
                .statusCode(400)
                .body("error", equalTo("window_bytes: must be an integer 1..9007199254740991, got 0"));
        submit(
                        "{\"program\":{\"op\":\"add\",\"data_url\":\"http://a.example/\"},\"substrates\":[\"local\",\"mainframe\"]}")
                .then()
                .statusCode(400)
                .body("field", equalTo("substrates"))
                .body("error", startsWith("substrates: unknown substrate 'mainframe'"));
        submit(
                        "{\"job_id\":\"p~w0\",\"program\":{\"op\":\"add\",\"data\":\"AQID\"},\"window\":{\"parent\":\"p\",\"index\":0}}")
                .then()
                .statusCode(400)
                .body("field", equalTo("window"));
        submit("{\"job_id\":\"p~w0\",\"program\":{\"op\":\"add\",\"data\":\"AQID\"}}")
                .then()
                .statusCode(400)
                .body("field", equalTo("job_id"));
    }

    @Test
    void aFanOutJobShowsItsProgressAndMergesToTheSinglePass() throws Exception {
        // The last window (from byte 6 MiB) is held back until the job has been seen running with
        // windows done: however busy the machine, there is a moment to see.
        submit(job("fan-1", "crc32c", origin.url("/gated/" + (6 << 20) + "/ranged/obj"), 1 << 20))
                .then()
                .statusCode(202);
        JsonNode running = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (running == null && System.nanoTime() < deadline) {
            JsonNode s = JobJson.readTree(given().get("/jobs/fan-1").asString());
            if (s.has("fanout")
                    && s.get("fanout").get("windows_done").asLong() > 0
                    && s.get("state").asText().equals("running")) {
                running = s;
            }
            Thread.sleep(20);
        }
        origin.openGate(6 << 20);
        assertTrue(running != null, "progress was shown while it ran");
        assertEquals(7, running.get("fanout").get("windows").asLong());
        assertEquals(OBJECT.length, running.get("fanout").get("bytes").asLong());
        assertTrue(running.get("fanout").get("substrates").has("local"));
        JsonNode fanouts = JobJson.readTree(given().get("/metrics").asString()).get("fanouts");
        long expected = Kernel.execute(Program.over(Op.CRC32C, 0, OBJECT)).value();
        Response done = awaitResult("fan-1");
        done.then()
                .body("status", equalTo("succeeded"))
                .body("result.checksum", equalTo(expected))
                .body("result.bytes_processed", equalTo(OBJECT.length))
                .body("summary.windows", equalTo(7))
                .body("summary.substrates.local.windows", equalTo(7));
        given().get("/jobs/fan-1").then().body("state", equalTo("succeeded")).body("fanout.windows_done", equalTo(7));
        assertTrue(fanouts.isArray());
    }

    @Test
    void aFanOutJobCanBeCancelledAndAFinishedOneCannot() throws Exception {
        submit(job("fan-cancel", "add", origin.url("/delay/400/ranged/obj"), 1 << 20))
                .then()
                .statusCode(202);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!given().get("/jobs/fan-cancel").asString().contains("fanout") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        given().delete("/jobs/fan-cancel").then().statusCode(202).body("state", equalTo("cancelling"));
        awaitResult("fan-cancel")
                .then()
                .body("status", equalTo("failed"))
                .body("error", startsWith("cancelled (DELETE /jobs/fan-cancel) after "))
                .body("summary.state", equalTo("failed"));
        given().delete("/jobs/fan-cancel").then().statusCode(409).body("error", containsString("has finished"));
        given().delete("/jobs/never-was").then().statusCode(404);
        given().delete("/jobs/a b").then().statusCode(400).body("field", equalTo("job_id"));
    }

    @Test
    void aDeadLetterIsListedAndRequeued() throws Exception {
        submit("{\"job_id\":\"dl-1\",\"program\":{\"op\":\"add\",\"data_url\":\"" + origin.url("/status/503") + "\"}}")
                .then()
                .statusCode(202);
        awaitResult("dl-1").then().body("status", equalTo("failed")).body("error", startsWith("failed 3 attempts"));
        JsonNode list = JobJson.readTree(
                given().get("/dead-letters").then().statusCode(200).extract().asString());
        JsonNode letter = null;
        for (JsonNode l : list.get("dead_letters")) {
            if (l.get("job_id").asText().equals("dl-1")) {
                letter = l;
            }
        }
        assertTrue(letter != null, list.toString());
        assertEquals("add", letter.get("op").asText());
        assertEquals(3, letter.get("attempts").asInt());
        assertEquals(3, letter.get("errors").size());
        String id = letter.get("id").asText();
        given().post("/dead-letters/" + id + "/requeue").then().statusCode(415);
        given().contentType(ContentType.JSON)
                .body("{}")
                .post("/dead-letters/nope/requeue")
                .then()
                .statusCode(400)
                .body("field", equalTo("id"));
        given().contentType(ContentType.JSON)
                .body("{}")
                .post("/dead-letters/1-1/requeue")
                .then()
                .statusCode(404);
        given().contentType(ContentType.JSON)
                .body("{}")
                .post("/dead-letters/" + id + "/requeue")
                .then()
                .statusCode(202)
                .body("job_id", equalTo("dl-1"));
        awaitResult("dl-1").then().body("status", equalTo("failed")).body("attempts", equalTo(3));
        given().get("/dead-letters?limit=0").then().statusCode(400).body("field", equalTo("limit"));
    }

    @Test
    void metricsCarryTheSeriesOfARange() {
        submit("{\"job_id\":\"series-1\",\"program\":{\"op\":\"add\",\"data\":\"AQID\"}}")
                .then()
                .statusCode(202);
        given().get("/metrics?range=15m")
                .then()
                .statusCode(200)
                .body("series.range", equalTo("15m"))
                .body("series.step_s", equalTo(10))
                .body("series.t", hasSize(90))
                .body("series.substrates.local.jobs_per_s", hasSize(90))
                .body("series.substrates.browser.executions", hasSize(90));
        given().get("/metrics?range=24h").then().statusCode(200).body("series.t", hasSize(288));
        given().get("/metrics?range=2h").then().statusCode(400).body("field", equalTo("range"));
        given().get("/metrics")
                .then()
                .statusCode(200)
                .body("substrates.browser.live.status", equalTo("idle"))
                .body("substrates.browser.live.health", equalTo("no volunteers"));
    }

    @Test
    void theLiveStreamSendsMetricsEvents() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<Stream<String>> r = http.send(
                HttpRequest.newBuilder(URI.create(base + "metrics/stream?range=1h"))
                        .header("Accept", "text/event-stream")
                        .build(),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        try (Stream<String> lines = r.body()) {
            String first = lines.filter(l -> l.startsWith("data:")).findFirst().orElseThrow();
            JsonNode event = JobJson.readTree(first.substring(5));
            assertEquals("1h", event.get("series").get("range").asText());
            assertTrue(event.get("substrates").has("local"));
        }
    }

    @Test
    void theDashboardServesItsOwnFilesOnly() {
        given().get("/dashboard")
                .then()
                .statusCode(200)
                .header("Content-Security-Policy", containsString("default-src 'self'"))
                .body(containsString("dashboard/uplot.js"));
        given().get("/dashboard/uplot.js")
                .then()
                .statusCode(200)
                .contentType(startsWith("text/javascript"))
                .body(containsString("uPlot"));
        given().get("/dashboard/uplot.css").then().statusCode(200).contentType(startsWith("text/css"));
        given().get("/dashboard/dashboard.js").then().statusCode(200);
        given().get("/dashboard/application.properties").then().statusCode(404);
    }
}
