package dev.packetfs.worker.flyio;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.packetfs.testing.RangeOrigin;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The worker's real HTTP stack on a free loopback port; the origin is a real loopback server. */
@QuarkusTest
class FlyWorkerIT {
    private static final String TOKEN = "Bearer test-token-0123456789";
    private static RangeOrigin origin;

    @TestHTTPResource("/")
    URI base;

    int port;

    @BeforeEach
    void port() {
        port = base.getPort();
    }

    @BeforeAll
    static void startOrigin() throws Exception {
        origin = new RangeOrigin();
        origin.put("digits", "123456789".getBytes(StandardCharsets.US_ASCII));
    }

    @AfterAll
    static void stopOrigin() {
        origin.close();
    }

    private String fetchJob() {
        return "{\"job_id\":\"j1\",\"timeout_ms\":5000,\"program\":{\"op\":\"crc32c\",\"data_url\":\""
                + origin.url("/ranged/digits") + "\"}}";
    }

    @Test
    void computesAWindowFromAnOrigin() {
        given().header("Authorization", TOKEN)
                .body(fetchJob())
                .when()
                .post("/compute")
                .then()
                .statusCode(200)
                .body("success", equalTo(true))
                .body("job_id", equalTo("j1"))
                .body("result.checksum", equalTo(3808858755L))
                .body("bytes_processed", equalTo(9))
                .body("location", equalTo("local"));
    }

    @Test
    void withoutTheRightTokenNothingIsFetched() {
        long before = origin.requests();
        given().body(fetchJob())
                .when()
                .post("/compute")
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", "Bearer")
                .body("success", equalTo(false))
                .body("error_code", equalTo("unauthorized"));
        given().header("Authorization", TOKEN + "x")
                .body(fetchJob())
                .when()
                .post("/compute")
                .then()
                .statusCode(401);
        given().header("Authorization", "Basic dXNlcjpwYXNz")
                .body(fetchJob())
                .when()
                .post("/compute")
                .then()
                .statusCode(401);
        assertEquals(before, origin.requests(), "a refused request reached the origin");
    }

    @Test
    void badInputIs400WithAMessage() {
        given().header("Authorization", TOKEN)
                .body("{\"program\":{\"op\":\"md5\",\"data\":\"\"}}")
                .when()
                .post("/compute")
                .then()
                .statusCode(400)
                .body("success", equalTo(false))
                .body("error", startsWith("op: unknown op 'md5'"));
        given().header("Authorization", TOKEN)
                .body("{")
                .when()
                .post("/compute")
                .then()
                .statusCode(400)
                .body("error", startsWith("body is not valid JSON"));
    }

    @Test
    void oversizeBodiesAreRefused() throws Exception {
        String data = "A".repeat(6 * 1024 * 1024 + 4);
        given().header("Authorization", TOKEN)
                .body("{\"program\":{\"op\":\"xor\",\"data\":\"" + data + "\"}}")
                .when()
                .post("/compute")
                .then()
                .statusCode(413)
                .body("error_code", equalTo("too_large"));
        // Past the HTTP layer's cap the body is not even received: with Expect: 100-continue the
        // client learns so before sending it.
        HttpResponse<String> cut = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .build()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/compute"))
                                .header("Authorization", TOKEN)
                                .expectContinue(true)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[8 * 1024 * 1024]))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(413, cut.statusCode());
    }

    @Test
    void privateAddressesAreRefusedUnlessAllowed() {
        given().header("Authorization", TOKEN)
                .body("{\"program\":{\"op\":\"xor\",\"data_url\":\"http://169.254.169.254/latest/meta-data/\"}}")
                .when()
                .post("/compute")
                .then()
                .statusCode(400)
                .body("error_code", equalTo("address_refused"));
        given().header("Authorization", TOKEN)
                .body("{\"program\":{\"op\":\"xor\",\"data_url\":\"http://[::1]:9/x\"}}")
                .when()
                .post("/compute")
                .then()
                .statusCode(400)
                .body("error_code", equalTo("address_refused"));
    }

    @Test
    void healthNeedsNoTokenAndListsCapabilities() {
        given().when()
                .get("/health")
                .then()
                .statusCode(200)
                .body("status", equalTo("ok"))
                .body("capabilities.max_memory_mb", equalTo(512))
                .body("capabilities.max_duration_ms", equalTo(60000))
                .body("capabilities.ops.size()", equalTo(5));
    }
}
