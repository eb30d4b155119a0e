package dev.packetfs.client;

/**
 * A request could not be signed with SigV4: no AWS credentials were found (the default chain
 * looks at the system properties {@code aws.accessKeyId}/{@code aws.secretAccessKey}, the
 * environment's {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}, web identity, the
 * {@code ~/.aws} profiles and SSO, then container and instance roles), or they could not be read.
 */
public final class SigningException extends RuntimeException {
    SigningException(String message, Throwable cause) {
        super(message, cause);
    }
}
