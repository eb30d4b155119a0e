package dev.packetfs.client;

/** Whether requests are signed with AWS Signature Version 4 (docs: client/README.md). */
public enum Signing {
    /**
     * Signed when the server is a Lambda function URL ({@code <url-id>.lambda-url.<region>.on.aws}),
     * for that region; otherwise not. The default.
     */
    AUTO,
    /**
     * Always signed: a function URL behind another name (CloudFront, a custom domain) or a
     * SigV4-checking front. The region is the function URL's, else the one given, else
     * {@code aws.region} or {@code AWS_REGION}.
     */
    AWS_SIGV4,
    /** Never signed: a function URL with auth type {@code NONE}, guarded by the API key alone. */
    NONE
}
