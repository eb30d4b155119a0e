package dev.packetfs.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback endpoint that answers Secrets Manager's JSON protocol for {@code GetSecretValue}
 * ({@code X-Amz-Target: secretsmanager.GetSecretValue}, a signed request) as the service
 * documents it: the value, or {@code ResourceNotFoundException}. Every request is recorded.
 */
public final class LoopbackSecretsManager implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The system properties the AWS SDK reads (as on Lambda it reads the environment): endpoint, region, credentials. */
    private static final List<String> SDK_PROPERTIES =
            List.of("aws.endpointUrl", "aws.region", "aws.accessKeyId", "aws.secretAccessKey");

    private final HttpServer server;
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private boolean sdkDefault;
    /** {@code "<target> <SecretId>"} of every request, in order. */
    public final List<String> asked = new CopyOnWriteArrayList<>();

    private LoopbackSecretsManager() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::answer);
        server.start();
    }

    public static LoopbackSecretsManager start() {
        return new LoopbackSecretsManager();
    }

    /**
     * Started, and made the default of every AWS SDK client this JVM builds from now on (through
     * the SDK's system properties, with a region and test credentials) until {@link #close()}: what
     * a {@code @QuarkusTest} needs, whose application builds its own clients.
     */
    public static LoopbackSecretsManager startAsSdkDefault() {
        LoopbackSecretsManager service = start();
        System.setProperty("aws.endpointUrl", service.endpoint().toString());
        System.setProperty("aws.region", "us-east-1");
        System.setProperty("aws.accessKeyId", "AKIAPACKETFSTEST0002");
        System.setProperty("aws.secretAccessKey", "not-a-real-secret");
        service.sdkDefault = true;
        return service;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public void put(String arn, String value) {
        secrets.put(arn, value);
    }

    @Override
    public void close() {
        if (sdkDefault) {
            SDK_PROPERTIES.forEach(System::clearProperty);
        }
        server.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            String id = request.path("SecretId").asText();
            asked.add(target + " " + id);
            String value = secrets.get(id);
            byte[] body;
            int status;
            if (!"secretsmanager.GetSecretValue".equals(target)
                    || exchange.getRequestHeaders().getFirst("Authorization") == null) {
                status = 400;
                body = "{\"__type\":\"InvalidRequestException\",\"message\":\"unexpected request\"}"
                        .getBytes(StandardCharsets.UTF_8);
            } else if (value == null) {
                status = 400;
                body =
                        "{\"__type\":\"ResourceNotFoundException\",\"message\":\"Secrets Manager can't find the specified secret.\"}"
                                .getBytes(StandardCharsets.UTF_8);
            } else {
                status = 200;
                body = JSON.writeValueAsBytes(Map.of(
                        "ARN",
                        id,
                        "Name",
                        id.substring(id.lastIndexOf(':') + 1),
                        "SecretString",
                        value,
                        "VersionId",
                        "v1",
                        "CreatedDate",
                        1.7e9));
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        }
    }
}
