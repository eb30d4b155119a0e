package dev.packetfs.client;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * AWS Signature Version 4 for a Lambda function URL with auth type {@code AWS_IAM}: service
 * {@code lambda}, the URL's region, the payload's SHA-256 signed ({@code x-amz-content-sha256}),
 * with AWS's own signer (SDK v2 {@code AwsV4HttpSigner}). Credentials are resolved for every
 * request, so that temporary ones are renewed by their provider, and the signing time is each
 * request's own.
 *
 * <p>The signature takes the {@code Authorization} header, so a signed request cannot carry the
 * API key there (docs/http-api.md#api-key accepts it nowhere else).
 */
final class AwsSigV4 implements Authentication {
    static final String SERVICE = "lambda";
    private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();

    private final String region;
    private final AwsCredentialsProvider credentials;
    private final boolean ownsCredentials;

    /** @param credentials null for the SDK's default chain */
    AwsSigV4(String region, AwsCredentialsProvider credentials) {
        this.region = region;
        this.ownsCredentials = credentials == null;
        this.credentials = credentials != null
                ? credentials
                : DefaultCredentialsProvider.builder().build();
    }

    @Override
    public void apply(HttpRequest.Builder request, String method, URI uri, Map<String, String> headers, byte[] body) {
        SdkHttpRequest.Builder unsigned =
                SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(uri);
        headers.forEach(unsigned::putHeader);
        AwsCredentialsIdentity identity = identity();
        SignedRequest signed = SIGNER.sign(r -> r.identity(identity)
                .request(unsigned.build())
                .payload(body == null ? null : ContentStreamProvider.fromByteArrayUnsafe(body))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        Map<String, String> given = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        given.putAll(headers);
        signed.request().forEachHeader((name, values) -> {
            // Host is the JDK's to write (a restricted header); it writes what the signer signed:
            // the URI's host, and its port unless it is the scheme's default.
            if (!name.equalsIgnoreCase("Host") && !given.containsKey(name)) {
                values.forEach(v -> request.header(name, v));
            }
        });
    }

    private AwsCredentialsIdentity identity() {
        try {
            return credentials.resolveCredentials();
        } catch (RuntimeException e) {
            throw new SigningException("no AWS credentials to sign the request with (SigV4): " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (ownsCredentials && credentials instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // nothing is left to release that matters
            }
        }
    }
}
