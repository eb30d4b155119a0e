package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /jobs} takes JSON only, with or without an API key: a page on another origin can
 * send text, a form or an untyped body without a CORS preflight, and must not be able to queue jobs.
 */
@QuarkusTest
class JobContentTypeIT {
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TestHTTPResource("/")
    URI base;

    private HttpResponse<String> post(String id, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/jobs"))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"job_id\":\"" + id + "\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}}"));
        if (!contentType.isEmpty()) {
            request.header("Content-Type", contentType);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private int statusOf(String id) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(base.resolve("/jobs/" + id)).build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "text/plain",
                "text/plain;charset=UTF-8",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "application/xml",
                "application/jsonx",
                "text/json"
            })
    void anythingButJsonGets415AndQueuesNothing(String contentType) throws Exception {
        String id = "ct-refused-" + Integer.toHexString(contentType.hashCode());
        HttpResponse<String> r = post(id, contentType);
        assertEquals(415, r.statusCode(), r.body());
        assertTrue(
                r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                r.headers().toString());
        assertTrue(r.body().startsWith("{\"error\":\"POST /jobs takes JSON"), r.body());
        assertEquals(404, statusOf(id), "a refused job was queued");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "application/json",
                "application/json; charset=utf-8",
                "Application/JSON",
                "application/vnd.packetfs.job+json"
            })
    void jsonIsAccepted(String contentType) throws Exception {
        String id = "ct-ok-" + Integer.toHexString(contentType.hashCode());
        HttpResponse<String> r = post(id, contentType);
        assertEquals(202, r.statusCode(), r.body());
        assertEquals(200, statusOf(id));
    }
}
