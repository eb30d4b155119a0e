package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.packetfs.dispatch.contract.LocalStackSupport;
import dev.packetfs.dispatch.contract.LocalStackSupport.RequiresLocalStack;
import dev.packetfs.testing.RepositoryPaths;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.localstack.LocalStackContainer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.FunctionUrlAuthType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The fabric's three functions deployed into LocalStack as the CDK app deploys them: the real
 * {@code function.zip} files on a Java runtime, only secret ARNs in their environment, a function
 * URL on the worker and on the API, and a Redis container the API and the drain share. Checked:
 * the worker through {@code Invoke} and through its URL (token required); a job submitted through
 * the API's URL and one pushed onto Redis, both run by invoking the drain, on the Lambda substrate
 * (the worker function), with their results and cost records.
 *
 * <p>Needs a Docker engine and {@code LOCALSTACK_AUTH_TOKEN}; skipped without them, saying which.
 * The same paths run here through {@code deploy/test/deploy-all.test.mjs} (the local target:
 * function.zip under the runtime interface client, the dispatcher, a real redis-server),
 * {@code FunctionUrlSecretsIT}, {@code LambdaWorkerSecretIT} and {@code DrainHandlerIT}.
 */
@RequiresLocalStack(
        coveredHereBy =
                "deploy/test/deploy-all.test.mjs runs the same functions, dispatcher and Redis through"
                        + " ./scripts/deploy-all --target local, with FunctionUrlSecretsIT, LambdaWorkerSecretIT and DrainHandlerIT")
class FabricLocalStackDockerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JOB =
            "{\"job_id\":\"%s\",\"substrate\":\"lambda\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}}";
    private static final long CHECKSUM = 3808858755L;
    private static final String HANDLER = "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest";
    private static final String ROLE = "arn:aws:iam::000000000000:role/packetfs";
    private static final String WORKER_TOKEN = "localstack-worker-token-0123456789";
    private static final String API_KEY = "localstack-api-key-0123456789";

    private static Network network;
    private static GenericContainer<?> redis;
    private static LocalStackContainer localstack;
    private static LambdaClient lambda;
    private static URI workerUrl;
    private static URI apiUrl;

    @BeforeAll
    static void deploy() throws Exception {
        network = Network.newNetwork();
        redis = new GenericContainer<>("redis:7-alpine")
                .withNetwork(network)
                .withNetworkAliases("redis")
                .withExposedPorts(6379);
        redis.start();
        // Function containers join the same network, to reach the Redis and LocalStack by name.
        localstack = LocalStackSupport.container()
                .withServices("lambda", "secretsmanager", "iam", "logs")
                .withNetwork(network)
                .withNetworkAliases("localstack")
                .withEnv("LAMBDA_DOCKER_NETWORK", network.getId());
        localstack.start();

        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(localstack.getAccessKey(), localstack.getSecretKey()));
        Region region = Region.of(localstack.getRegion());
        lambda = LambdaClient.builder()
                .endpointOverride(localstack.getEndpoint())
                .region(region)
                .credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        String tokenArn;
        String redisArn;
        String keyArn;
        try (SecretsManagerClient secrets = SecretsManagerClient.builder()
                .endpointOverride(localstack.getEndpoint())
                .region(region)
                .credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.create())
                .build()) {
            tokenArn = secrets.createSecret(b -> b.name("packetfs/worker-token").secretString(WORKER_TOKEN))
                    .arn();
            redisArn = secrets.createSecret(b -> b.name("packetfs/redis-url").secretString("redis://redis:6379"))
                    .arn();
            keyArn = secrets.createSecret(b -> b.name("packetfs/api-key").secretString(API_KEY))
                    .arn();
        }
        function(
                "packetfs-worker",
                "worker-lambda/target/function.zip",
                60,
                Map.of("PACKETFS_WORKER_TOKEN_SECRET_ARN", tokenArn));
        function(
                "packetfs-api",
                "dispatcher-function/lambda-url/target/function.zip",
                30,
                Map.of("PACKETFS_REDIS_URL_SECRET_ARN", redisArn, "PACKETFS_API_KEY_SECRET_ARN", keyArn));
        function(
                "packetfs-drain",
                "dispatcher-function/lambda-drain/target/function.zip",
                120,
                Map.of(
                        "PACKETFS_REDIS_URL_SECRET_ARN",
                        redisArn,
                        "PACKETFS_WORKER_TOKEN_SECRET_ARN",
                        tokenArn,
                        "PACKETFS_SUBSTRATES_LAMBDA_FUNCTION_NAME",
                        "packetfs-worker",
                        "PACKETFS_SUBSTRATES_LAMBDA_ENDPOINT",
                        "http://localstack:4566",
                        "PACKETFS_SUBSTRATES_LAMBDA_REGION",
                        localstack.getRegion(),
                        "PACKETFS_DRAIN_IDLE_STOP",
                        "2s"));
        workerUrl = URI.create(lambda.createFunctionUrlConfig(
                        b -> b.functionName("packetfs-worker").authType(FunctionUrlAuthType.NONE))
                .functionUrl());
        apiUrl = URI.create(lambda.createFunctionUrlConfig(
                        b -> b.functionName("packetfs-api").authType(FunctionUrlAuthType.NONE))
                .functionUrl());
    }

    private static void function(String name, String zip, int timeoutSeconds, Map<String, String> env)
            throws IOException {
        byte[] code = Files.readAllBytes(RepositoryPaths.find(zip));
        lambda.createFunction(b -> b.functionName(name)
                .runtime(Runtime.JAVA21)
                .role(ROLE)
                .handler(HANDLER)
                .memorySize(1024)
                .timeout(timeoutSeconds)
                .environment(e -> e.variables(env))
                .code(c -> c.zipFile(SdkBytes.fromByteArray(code))));
        lambda.waiter().waitUntilFunctionActiveV2(b -> b.functionName(name));
    }

    @AfterAll
    static void stop() {
        if (lambda != null) {
            lambda.close();
        }
        if (localstack != null) {
            localstack.stop();
        }
        if (redis != null) {
            redis.stop();
        }
        if (network != null) {
            network.close();
        }
    }

    private static JsonNode invoke(String function, String payload) throws IOException {
        InvokeResponse response =
                lambda.invoke(b -> b.functionName(function).payload(SdkBytes.fromUtf8String(payload)));
        assertEquals(null, response.functionError(), response.payload().asUtf8String());
        return JSON.readTree(response.payload().asByteArray());
    }

    /**
     * One HTTP/1.0 request to a function URL, sent to LocalStack's mapped port with the URL's host
     * in {@code Host} (LocalStack routes function URLs by host name; nothing is resolved).
     */
    private static Reply http(URI url, String method, String path, String body, String authorization)
            throws IOException {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.0\r\nHost: " + url.getHost() + "\r\n");
        if (authorization != null) {
            head.append("Authorization: ").append(authorization).append("\r\n");
        }
        head.append("Content-Type: application/json\r\nContent-Length: ")
                .append(content.length)
                .append("\r\n\r\n");
        try (Socket socket = new Socket(localstack.getHost(), localstack.getMappedPort(4566))) {
            socket.setSoTimeout(120_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            return new Reply(Integer.parseInt(text.substring(9, 12)), split < 0 ? "" : text.substring(split + 4));
        }
    }

    private record Reply(int status, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    @Test
    void theWorkerAnswersInvokeAndItsUrlWithTheTokenFromSecretsManager() throws Exception {
        JsonNode direct =
                invoke("packetfs-worker", String.format(JOB, "ls-invoke").replace(",\"substrate\":\"lambda\"", ""));
        assertEquals(CHECKSUM, direct.path("result").path("checksum").asLong(), direct.toString());
        assertTrue(direct.path("billed").path("duration_ms").asLong() >= 1, direct.toString());

        String compute = "{\"job_id\":\"ls-url\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}}";
        assertEquals(401, http(workerUrl, "POST", "/compute", compute, null).status());
        Reply ok = http(workerUrl, "POST", "/compute", compute, "Bearer " + WORKER_TOKEN);
        assertEquals(200, ok.status(), ok.body());
        assertEquals(CHECKSUM, ok.json().path("result").path("checksum").asLong());
    }

    @Test
    void aJobThroughTheApiUrlRunsOnLambdaWhenTheDrainRuns() throws Exception {
        assertEquals(
                401,
                http(apiUrl, "POST", "/jobs", String.format(JOB, "ls-api"), null)
                        .status());
        Reply queued = http(apiUrl, "POST", "/jobs", String.format(JOB, "ls-api"), "Bearer " + API_KEY);
        assertEquals(202, queued.status(), queued.body());

        JsonNode report = invoke("packetfs-drain", "{}");
        assertTrue(report.path("settled").asLong() >= 1, report.toString());

        Reply result = http(apiUrl, "GET", "/results/ls-api", null, "Bearer " + API_KEY);
        assertEquals(200, result.status(), result.body());
        JsonNode r = result.json();
        assertEquals("succeeded", r.path("status").asText(), r.toString());
        assertEquals("lambda", r.path("substrate").asText());
        assertEquals(CHECKSUM, r.path("result").path("checksum").asLong());
        assertTrue(r.path("cost_usd").asDouble() > 0, "billed: " + r);
        JsonNode books =
                http(apiUrl, "GET", "/metrics", null, "Bearer " + API_KEY).json();
        assertTrue(
                books.path("substrates").path("lambda").path("total_cost_usd").asDouble() > 0, books.toString());
    }

    @Test
    void aJobPushedOntoRedisRunsWhenTheDrainRuns() throws Exception {
        RedisClient client = RedisClient.create("redis://" + redis.getHost() + ":" + redis.getMappedPort(6379));
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().lpush("packetfs:jobs:queue", String.format(JOB, "ls-redis"));
            JsonNode report = invoke("packetfs-drain", "{}");
            assertTrue(report.path("settled").asLong() >= 1, report.toString());
            JsonNode result = JSON.readTree(connection.sync().get("packetfs:results:ls-redis"));
            assertEquals("succeeded", result.path("status").asText(), result.toString());
            assertEquals(CHECKSUM, result.path("result").path("checksum").asLong());
            assertTrue(
                    connection.sync().lrange("packetfs:metrics", 0, -1).stream().anyMatch(r -> r.contains("ls-redis")),
                    "an execution record");
        } finally {
            client.shutdown();
        }
    }
}
