package dev.packetfs.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which requests are signed, and for which region. */
class SigningRegionTest {
    static final URI FUNCTION_URL =
            URI.create("https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-central-1.on.aws/");
    static final URI SERVE = URI.create("http://127.0.0.1:8080");

    @Test
    void aFunctionUrlNamesItsRegion() {
        assertEquals(Optional.of("eu-central-1"), SigningRegion.ofFunctionUrl(FUNCTION_URL.getHost()));
        assertEquals(Optional.of("us-east-1"), SigningRegion.ofFunctionUrl("ABC123.LAMBDA-URL.US-EAST-1.ON.AWS"));
        assertEquals(Optional.of("us-gov-west-1"), SigningRegion.ofFunctionUrl("x1.lambda-url.us-gov-west-1.on.aws."));
        assertEquals(Optional.of("ap-southeast-2"), SigningRegion.ofFunctionUrl("x1.lambda-url.ap-southeast-2.on.aws"));
        for (String host : new String[] {
            "127.0.0.1",
            "localhost",
            "lambda-url.us-east-1.on.aws",
            "x.lambda-url.us-east-1.on.aws.example.com",
            "x.lambda-url.us-east-1.amazonaws.com",
            "x.y.lambda-url.us-east-1.on.aws",
            "x.lambda-url.useast1.on.aws",
            "d111.cloudfront.net"
        }) {
            assertEquals(Optional.empty(), SigningRegion.ofFunctionUrl(host), host);
        }
        assertEquals(Optional.empty(), SigningRegion.ofFunctionUrl(null));
    }

    @Test
    void byDefaultOnlyAFunctionUrlIsSignedAndForItsOwnRegion() {
        assertEquals(Optional.of("eu-central-1"), SigningRegion.choose(FUNCTION_URL, Signing.AUTO, null, "us-east-1"));
        assertEquals(Optional.empty(), SigningRegion.choose(SERVE, Signing.AUTO, null, "us-east-1"));
        assertEquals(
                Optional.empty(),
                SigningRegion.choose(FUNCTION_URL, Signing.NONE, null, null),
                "auth type NONE: the API key");
    }

    @Test
    void signingAskedForUsesTheRegionGivenElseTheUrlsElseTheEnvironments() {
        assertEquals(
                Optional.of("us-west-2"), SigningRegion.choose(SERVE, Signing.AWS_SIGV4, "us-west-2", "us-east-1"));
        assertEquals(Optional.of("us-east-1"), SigningRegion.choose(SERVE, Signing.AWS_SIGV4, null, "us-east-1"));
        assertEquals(
                Optional.of("eu-central-1"), SigningRegion.choose(FUNCTION_URL, Signing.AWS_SIGV4, null, "us-east-1"));
        assertEquals(Optional.of("eu-west-1"), SigningRegion.choose(FUNCTION_URL, Signing.AUTO, " eu-west-1 ", null));
    }

    @Test
    void signingWithoutAKnownRegionOrWithAMalformedOneIsRefused() {
        IllegalArgumentException none = assertThrows(
                IllegalArgumentException.class, () -> SigningRegion.choose(SERVE, Signing.AWS_SIGV4, null, " "));
        assertTrue(none.getMessage().contains("AWS_REGION"), none.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> SigningRegion.choose(SERVE, Signing.AWS_SIGV4, "Frankfurt", null));
    }

    @Test
    void theBuilderSignsWhenTheServerNeedsItAndElseSendsTheKey() {
        try (PacketfsClient lambda = PacketfsClient.builder(FUNCTION_URL.toString())
                        .apiKey("k")
                        .build();
                PacketfsClient serve =
                        PacketfsClient.builder(SERVE.toString()).apiKey("k").build();
                PacketfsClient none = PacketfsClient.builder(FUNCTION_URL.toString())
                        .signing(Signing.NONE)
                        .apiKey("k")
                        .build();
                PacketfsClient front = PacketfsClient.builder(SERVE.toString())
                        .signing(Signing.AWS_SIGV4)
                        .awsRegion("us-east-1")
                        .build()) {
            assertTrue(lambda.signsRequests());
            assertFalse(serve.signsRequests());
            assertFalse(none.signsRequests());
            assertTrue(front.signsRequests());
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> PacketfsClient.builder("127.0.0.1:8080").build());
        assertThrows(
                IllegalArgumentException.class,
                () -> PacketfsClient.builder("ftp://127.0.0.1/").build());
        assertThrows(
                IllegalArgumentException.class,
                () -> PacketfsClient.builder("http://a b/").build());
    }
}
