package dev.packetfs.protocol.worker;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The shared secret {@code /compute} requires as {@code Authorization: Bearer <token>}. */
public final class WorkerToken {
    /** Shorter secrets are refused at start: a guessable token is no token. */
    public static final int MIN_LENGTH = 16;

    private final byte[] expected;

    private WorkerToken(String token) {
        this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The configured token, or an exception that stops the worker from starting: a worker without
     * a token would compute for anyone who finds its URL.
     */
    public static WorkerToken require(String configured) {
        if (configured == null || configured.isBlank()) {
            throw new IllegalStateException("PACKETFS_WORKER_TOKEN is not set; a worker refuses to start without one");
        }
        if (configured.strip().length() < MIN_LENGTH) {
            throw new IllegalStateException("PACKETFS_WORKER_TOKEN must be at least " + MIN_LENGTH + " characters");
        }
        return new WorkerToken(configured.strip());
    }

    /** Compares in constant time, so the answer's timing does not leak how much of a guess was right. */
    public boolean accepts(String authorizationHeader) {
        if (authorizationHeader == null) {
            return false;
        }
        return MessageDigest.isEqual(expected, authorizationHeader.strip().getBytes(StandardCharsets.UTF_8));
    }
}
