package dev.packetfs.lambdalocal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;

/**
 * A function URL in front of the emulated function, as Lambda runs one: each HTTP request becomes
 * an event in the payload format 2.0, invoked synchronously, and the function's answer ({@code
 * statusCode}, {@code headers}, {@code cookies}, {@code body}, {@code isBase64Encoded}) becomes the
 * HTTP answer (BUFFERED invoke mode). With auth type {@code AWS_IAM} a request must carry a valid
 * SigV4 signature for service {@code lambda} ({@link SigV4Verifier}); an unsigned, badly signed or
 * stale one gets 403 {@code {"Message":"Forbidden"}}, as on AWS, and never reaches the function.
 * A function error gets 502.
 */
final class FunctionUrlFront implements AutoCloseable {
    /** Who may call the URL, as {@code AuthType} says on AWS. */
    enum Auth {
        AWS_IAM,
        NONE
    }

    private static final int MAX_BODY = 6 * 1024 * 1024;
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final LambdaEmulator function;
    private final Auth auth;
    private final SigV4Verifier verifier;
    private final String accessKey;
    private final HttpServer server;

    FunctionUrlFront(
            LambdaEmulator function, int port, Auth auth, String accessKey, String secretKey, ExecutorService threads)
            throws IOException {
        this.function = function;
        this.auth = auth;
        this.accessKey = accessKey;
        this.verifier = new SigV4Verifier(accessKey, secretKey, "us-east-1", "lambda");
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                send(
                        exchange,
                        413,
                        Map.of(),
                        "{\"Message\":\"Request must be smaller than 6291456 bytes\"}"
                                .getBytes(StandardCharsets.UTF_8));
                return;
            }
            URI uri = exchange.getRequestURI();
            if (auth == Auth.AWS_IAM) {
                Optional<String> refused = verifier.refusal(
                        exchange.getRequestMethod(),
                        uri.getRawPath(),
                        uri.getRawQuery(),
                        exchange.getRequestHeaders(),
                        body,
                        Instant.now());
                if (refused.isPresent()) {
                    System.err.println("function URL: 403 for " + exchange.getRequestMethod() + " " + uri.getRawPath()
                            + ": " + refused.get());
                    send(
                            exchange,
                            403,
                            Map.of("x-amzn-ErrorType", "AccessDeniedException"),
                            "{\"Message\":\"Forbidden\"}".getBytes(StandardCharsets.UTF_8));
                    return;
                }
            }
            LambdaEmulator.Reply reply =
                    function.invokeSync(event(exchange, body).getBytes(StandardCharsets.UTF_8));
            if (reply.headers().containsKey("X-Amz-Function-Error")) {
                send(
                        exchange,
                        502,
                        Map.of(),
                        "{\"Message\":\"Internal Server Error\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            answer(exchange, new String(reply.body(), StandardCharsets.UTF_8));
        }
    }

    /** The request as a payload format 2.0 event. */
    private String event(HttpExchange exchange, byte[] body) {
        URI uri = exchange.getRequestURI();
        StringBuilder headers = new StringBuilder();
        List<String> cookies = new ArrayList<>();
        exchange.getRequestHeaders().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("cookie")) {
                values.forEach(v -> cookies.addAll(List.of(v.split(";\\s*"))));
                return;
            }
            headers.append(headers.length() == 0 ? "" : ",")
                    .append(MiniJson.quote(lower))
                    .append(':')
                    .append(MiniJson.quote(String.join(",", values)));
        });
        StringBuilder query = new StringBuilder();
        String rawQuery = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        for (String pair : rawQuery.isEmpty() ? new String[0] : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.append(query.length() == 0 ? "" : ",")
                    .append(MiniJson.quote(k))
                    .append(':')
                    .append(MiniJson.quote(v));
        }
        String text = utf8(body);
        boolean base64 = text == null;
        String host = exchange.getRequestHeaders().getFirst("Host");
        Instant now = Instant.now();
        String iam = auth == Auth.AWS_IAM
                ? ",\"authorizer\":{\"iam\":{\"accessKey\":" + MiniJson.quote(accessKey)
                        + ",\"accountId\":\"123456789012\","
                        + "\"callerId\":\"AIDAPACKETFSTEST\",\"userArn\":\"arn:aws:iam::123456789012:user/packetfs-local\"}}"
                : "";
        return "{\"version\":\"2.0\",\"routeKey\":\"$default\",\"rawPath\":" + MiniJson.quote(uri.getRawPath())
                + ",\"rawQueryString\":" + MiniJson.quote(rawQuery)
                + (cookies.isEmpty()
                        ? ""
                        : ",\"cookies\":["
                                + String.join(
                                        ",",
                                        cookies.stream().map(MiniJson::quote).toList()) + "]")
                + ",\"headers\":{" + headers + "}"
                + (query.length() == 0 ? "" : ",\"queryStringParameters\":{" + query + "}")
                + ",\"requestContext\":{\"accountId\":\"123456789012\",\"apiId\":\"local\",\"domainName\":"
                + MiniJson.quote(host == null ? "127.0.0.1" : host)
                + ",\"domainPrefix\":\"local\",\"http\":{\"method\":"
                + MiniJson.quote(exchange.getRequestMethod()) + ",\"path\":" + MiniJson.quote(uri.getRawPath())
                + ",\"protocol\":\"HTTP/1.1\",\"sourceIp\":"
                + MiniJson.quote(exchange.getRemoteAddress().getAddress().getHostAddress())
                + ",\"userAgent\":"
                + MiniJson.quote(String.valueOf(exchange.getRequestHeaders().getFirst("User-Agent")))
                + "},\"requestId\":" + MiniJson.quote(UUID.randomUUID().toString())
                + ",\"routeKey\":\"$default\",\"stage\":\"$default\""
                + ",\"time\":" + MiniJson.quote(TIME.format(now)) + ",\"timeEpoch\":" + now.toEpochMilli() + iam + "}"
                + (body.length == 0
                        ? ""
                        : ",\"body\":"
                                + MiniJson.quote(base64 ? Base64.getEncoder().encodeToString(body) : text))
                + ",\"isBase64Encoded\":" + base64 + "}";
    }

    /** The function's answer as HTTP: a response object, or any other JSON as a 200 body. */
    @SuppressWarnings("unchecked")
    private static void answer(HttpExchange exchange, String answer) throws IOException {
        Object parsed;
        try {
            parsed = MiniJson.parse(answer);
        } catch (IllegalArgumentException e) {
            send(exchange, 502, Map.of(), "{\"Message\":\"Internal Server Error\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (!(parsed instanceof Map<?, ?> map) || !map.containsKey("statusCode")) {
            send(exchange, 200, Map.of(), answer.getBytes(StandardCharsets.UTF_8));
            return;
        }
        Map<String, Object> response = (Map<String, Object>) map;
        int status = ((Number) response.get("statusCode")).intValue();
        if (response.get("headers") instanceof Map<?, ?> headers) {
            headers.forEach((k, v) -> exchange.getResponseHeaders().add(String.valueOf(k), String.valueOf(v)));
        }
        if (response.get("multiValueHeaders") instanceof Map<?, ?> headers) {
            headers.forEach((k, v) -> ((List<Object>) v)
                    .forEach(one -> exchange.getResponseHeaders().add(String.valueOf(k), String.valueOf(one))));
        }
        if (response.get("cookies") instanceof List<?> cookies) {
            cookies.forEach(c -> exchange.getResponseHeaders().add("Set-Cookie", String.valueOf(c)));
        }
        Object text = response.get("body");
        byte[] body = text == null
                ? new byte[0]
                : Boolean.TRUE.equals(response.get("isBase64Encoded"))
                        ? Base64.getDecoder().decode(String.valueOf(text))
                        : String.valueOf(text).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        exchange.getResponseBody().write(body);
    }

    private static String utf8(byte[] body) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static void send(HttpExchange exchange, int status, Map<String, String> headers, byte[] body)
            throws IOException {
        LambdaEmulator.send(exchange, status, headers, body);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
