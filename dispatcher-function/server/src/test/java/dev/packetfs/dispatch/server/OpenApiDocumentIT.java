package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.testing.RepositoryPaths;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The API's OpenAPI document as a fresh packaged dispatcher serves it at {@code /q/openapi} is
 * {@code docs/openapi.yaml}, byte for byte: a change to the API shows up in review as a change to
 * that file. Rewrite it with
 * {@code mvn -pl dispatcher-function/server verify -Dit.test=OpenApiDocumentIT -Dpacketfs.openapi.write=true}.
 */
class OpenApiDocumentIT {
    static final String WRITE = "packetfs.openapi.write";

    @Test
    void theServedDocumentIsTheCheckedInOne() throws Exception {
        Path checkedIn = RepositoryPaths.find("docs").resolve("openapi.yaml");
        try (DispatcherProcess dispatcher = DispatcherProcess.start("openapi", "", Map.of())) {
            HttpResponse<String> served = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(dispatcher.url() + "/q/openapi"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, served.statusCode(), served.body());
            if (Boolean.getBoolean(WRITE)) {
                Files.writeString(checkedIn, served.body());
            }
            assertEquals(
                    Files.exists(checkedIn) ? Files.readString(checkedIn) : "(docs/openapi.yaml is missing)",
                    served.body(),
                    "docs/openapi.yaml is not what the dispatcher serves: rewrite it with -D" + WRITE
                            + "=true (this class's comment) and review the difference");
        }
    }

    @Test
    void swaggerUiOpensFromThisMachineAndNotWhenTurnedOff() throws Exception {
        try (DispatcherProcess dispatcher =
                DispatcherProcess.start("swagger-ui", "", Map.of("PACKETFS_API_KEY", "k3y-for-the-ui-test"))) {
            HttpResponse<String> ui = get(dispatcher.url() + "/q/swagger-ui/");
            assertEquals(200, ui.statusCode(), "loopback by default, and open without the API key");
            assertTrue(ui.body().contains("swagger-ui"), ui.body());
            assertEquals(200, get(dispatcher.url() + "/q/openapi").statusCode(), "the document it reads is open too");
            assertEquals(401, get(dispatcher.url() + "/metrics").statusCode(), "what it calls needs the key");
        }
        try (DispatcherProcess dispatcher =
                DispatcherProcess.start("swagger-ui-off", "", Map.of("PACKETFS_API_SWAGGER_UI", "off"))) {
            assertEquals(404, get(dispatcher.url() + "/q/swagger-ui/").statusCode());
            assertEquals(404, get(dispatcher.url() + "/q/swagger-ui/index.html").statusCode());
        }
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
