package dev.packetfs.protocol.worker;

/** The shared secret {@code /compute} requires as {@code Authorization: Bearer <token>}. */
public final class WorkerToken {
    /** Shorter secrets are refused at start: a guessable token is no token. */
    public static final int MIN_LENGTH = 16;

    private final BearerSecret secret;

    private WorkerToken(String token) {
        this.secret = new BearerSecret(token);
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

    /** Whether the {@code Authorization} header presents the token ({@link BearerSecret}: any case of Bearer, constant time). */
    public boolean accepts(String authorizationHeader) {
        return secret.presentedIn(authorizationHeader);
    }
}
