package dev.packetfs.dispatch.server;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With PACKETFS_API_KEY set, the API answers only callers that present it. */
@QuarkusTest
@TestProfile(ApiKeyIT.WithKey.class)
class ApiKeyIT {

    public static class WithKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("packetfs.api-key", "s3cret-key");
        }
    }

    @Test
    void withoutTheKeyNothingIsQueuedOrShown() {
        String job = "{\"job_id\":\"k1\",\"program\":{\"op\":\"add\",\"data\":\"AA==\"}}";
        given().contentType(ContentType.JSON)
                .body(job)
                .post("/jobs")
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", "Bearer");
        given().header("Authorization", "Bearer wrong")
                .contentType(ContentType.JSON)
                .body(job)
                .post("/jobs")
                .then()
                .statusCode(401)
                .body("error", equalTo("wrong API key"));
        given().header("Authorization", "Bearer s3cret-key")
                .get("/jobs/k1")
                .then()
                .statusCode(404);
        given().get("/metrics").then().statusCode(401);
        given().get("/results/k1").then().statusCode(401);
    }

    @Test
    void withTheKeyTheApiAnswers() {
        given().header("Authorization", "Bearer s3cret-key")
                .contentType(ContentType.JSON)
                .body("{\"job_id\":\"k2\",\"program\":{\"op\":\"add\",\"data\":\"AA==\"}}")
                .post("/jobs")
                .then()
                .statusCode(202);
        given().header("Authorization", "Bearer s3cret-key")
                .get("/metrics")
                .then()
                .statusCode(200);
    }

    @Test
    void healthAndTheDashboardPageStayOpen() {
        given().get("/health").then().statusCode(200);
        given().get("/dashboard").then().statusCode(200);
    }
}
