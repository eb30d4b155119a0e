package dev.packetfs.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.lambdalocal.SigV4Verifier;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** What the client signs is what a function URL with AWS_IAM auth accepts (lambda-local's SigV4Verifier). */
class AwsSigV4Test {
    static final String KEY = "AKIAPACKETFSTEST0001";
    static final String SECRET = "local-secret-key";
    final SigV4Verifier verifier = new SigV4Verifier(KEY, SECRET, "us-east-1", "lambda");
    final AwsSigV4 signer =
            new AwsSigV4("us-east-1", StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, SECRET)));

    /** The request as the JDK sends it: its headers, and the Host it writes itself. */
    Optional<String> check(String method, String url, Map<String, String> headers, byte[] body, byte[] bodySent) {
        URI uri = URI.create(url);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        headers.forEach(b::header);
        signer.apply(b, method, uri, headers, body);
        HttpRequest request =
                b.method(method, HttpRequest.BodyPublishers.noBody()).build();
        Map<String, List<String>> sent = new HashMap<>(request.headers().map());
        sent.put("Host", List.of(uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())));
        assertFalse(request.headers().firstValue("Host").isPresent(), "Host is the JDK's to write");
        return verifier.refusal(
                method,
                uri.getRawPath(),
                uri.getRawQuery(),
                sent,
                bodySent == null ? new byte[0] : bodySent,
                Instant.now());
    }

    @Test
    void aSignedRequestIsAccepted() {
        byte[] job = "{\"job_id\":\"j1\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIz\"}}"
                .getBytes(StandardCharsets.UTF_8);
        assertEquals(
                Optional.empty(),
                check("POST", "http://127.0.0.1:8123/jobs", Map.of("Content-Type", "application/json"), job, job));
        assertEquals(Optional.empty(), check("GET", "http://127.0.0.1:8123/metrics?range=15m", Map.of(), null, null));
        assertEquals(
                Optional.empty(),
                check("DELETE", "https://abc.lambda-url.us-east-1.on.aws/jobs/a%3Ab", Map.of(), null, null));
        assertEquals(
                Optional.empty(),
                check(
                        "POST",
                        "http://127.0.0.1:8123/dead-letters/1-0/requeue",
                        Map.of("Content-Type", "application/json"),
                        new byte[] {'{', '}'},
                        new byte[] {'{', '}'}));
    }

    @Test
    void theBodyIsSigned() {
        byte[] signed = "{\"job_id\":\"a\"}".getBytes(StandardCharsets.UTF_8);
        byte[] other = "{\"job_id\":\"b\"}".getBytes(StandardCharsets.UTF_8);
        Optional<String> refusal =
                check("POST", "http://127.0.0.1:8123/jobs", Map.of("Content-Type", "application/json"), signed, other);
        assertTrue(refusal.isPresent() && refusal.get().contains("body"), refusal.toString());
    }
}
