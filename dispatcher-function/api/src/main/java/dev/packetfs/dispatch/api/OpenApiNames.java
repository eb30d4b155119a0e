package dev.packetfs.dispatch.api;

/**
 * Names the resources' OpenAPI annotations share with {@code META-INF/openapi.yaml}, where the
 * security schemes, the common responses and the body schemas are described.
 */
final class OpenApiNames {
    /** {@code Authorization: Bearer <PACKETFS_API_KEY>}. */
    static final String API_KEY = "apiKey";
    /** The function URL with auth type AWS_IAM: requests signed with SigV4. */
    static final String SIGV4 = "awsSigV4";

    private OpenApiNames() {}
}
