package dev.packetfs.lambdalocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/** The function URL's SigV4 check against requests signed by AWS's own signer (SDK v2). */
class SigV4VerifierTest {
    static final String KEY = "AKIAPACKETFSTEST0001";
    static final String SECRET = "local-secret-key";
    static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");
    final SigV4Verifier verifier = new SigV4Verifier(KEY, SECRET, "us-east-1", "lambda");

    static SignedRequest sign(String method, String url, String body, String secret, Instant at) {
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.fromValue(method))
                .uri(URI.create(url))
                .putHeader("Content-Type", "application/json")
                .build();
        return AwsV4HttpSigner.create()
                .sign(r -> r.identity(AwsCredentialsIdentity.create(KEY, secret))
                        .request(request)
                        .payload(body == null ? null : ContentStreamProvider.fromUtf8String(body))
                        .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "lambda")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                        .putProperty(AwsV4FamilyHttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));
    }

    Optional<String> check(SignedRequest signed, String body, Instant now) {
        SdkHttpRequest r = signed.request();
        Map<String, List<String>> headers = new java.util.HashMap<>(r.headers());
        headers.put("Host", List.of(r.host() + (r.port() == 443 || r.port() == 80 ? "" : ":" + r.port())));
        URI uri = r.getUri();
        return verifier.refusal(
                r.method().name(),
                uri.getRawPath(),
                uri.getRawQuery(),
                headers,
                body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8),
                now);
    }

    @Test
    void aRequestSignedByTheSdkPasses() {
        String body = "{\"job_id\":\"a b/c\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIz\"}}";
        assertEquals(
                Optional.empty(),
                check(sign("POST", "https://abc.lambda-url.us-east-1.on.aws/jobs", body, SECRET, NOW), body, NOW));
        assertEquals(
                Optional.empty(),
                check(sign("GET", "http://127.0.0.1:8123/metrics?range=1h&a=%20b", null, SECRET, NOW), null, NOW));
        assertEquals(
                Optional.empty(),
                check(
                        sign("GET", "http://127.0.0.1:8123/jobs/a%20b%2Fc", null, SECRET, NOW),
                        null,
                        NOW.plus(Duration.ofMinutes(4))));
    }

    @Test
    void aChangedBodyAWrongSecretOrAStaleSignatureIsRefused() {
        String body = "{\"job_id\":\"x\"}";
        SignedRequest signed = sign("POST", "http://127.0.0.1:8123/jobs", body, SECRET, NOW);
        assertTrue(check(signed, "{\"job_id\":\"y\"}", NOW).isPresent(), "another body");
        assertTrue(check(sign("POST", "http://127.0.0.1:8123/jobs", body, "not-the-secret", NOW), body, NOW)
                .get()
                .contains("signature"));
        assertTrue(check(signed, body, NOW.plus(Duration.ofMinutes(6))).get().contains("expired"));
    }

    @Test
    void anUnsignedRequestOrAnotherAccessKeyIsRefused() {
        assertTrue(verifier.refusal("GET", "/metrics", null, Map.of("Host", List.of("127.0.0.1:1")), new byte[0], NOW)
                .get()
                .contains("not signed"));
        SigV4Verifier other = new SigV4Verifier("AKIAOTHER", SECRET, "us-east-1", "lambda");
        SignedRequest signed = sign("GET", "http://127.0.0.1:8123/metrics", null, SECRET, NOW);
        Map<String, List<String>> headers =
                new java.util.HashMap<>(signed.request().headers());
        headers.put("Host", List.of("127.0.0.1:8123"));
        assertTrue(other.refusal("GET", "/metrics", null, headers, new byte[0], NOW)
                .get()
                .contains("access key"));
    }
}
