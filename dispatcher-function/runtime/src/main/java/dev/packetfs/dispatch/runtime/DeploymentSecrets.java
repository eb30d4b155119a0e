package dev.packetfs.dispatch.runtime;

import dev.packetfs.secrets.SecretUnavailableException;
import dev.packetfs.secrets.SecretValue;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * The three secrets of a deployed dispatcher: the Redis URL, the API key and the worker token.
 * Each is configured either as its value ({@code PACKETFS_REDIS_URL}, ...) or, on Lambda, as the
 * ARN of a Secrets Manager secret ({@code PACKETFS_REDIS_URL_SECRET_ARN}, ...), which is read the
 * first time the value is needed, never at init (SnapStart would freeze it), and then kept. A
 * value given directly wins over an ARN.
 */
@Singleton
public class DeploymentSecrets {
    /** What the CDK app puts in the Redis URL secret it creates, for the operator to replace. */
    static final String PLACEHOLDER_PREFIX = "REPLACE-ME";

    private final Source redisUrl;
    private final Source apiKey;
    private final Source workerToken;

    DeploymentSecrets(PacketfsConfig config) {
        this.redisUrl = Source.of(config.redis().url(), config.redis().urlSecretArn());
        this.apiKey = Source.of(config.apiKey().filter(k -> !k.isEmpty()), config.apiKeySecretArn());
        this.workerToken = Source.of(config.worker().token(), config.worker().tokenSecretArn());
    }

    /** The Redis URL, if any: empty is the embedded queue. */
    public Optional<String> redisUrl() {
        return redisUrl.secret == null ? redisUrl.value : Optional.of(redisUrl(redisUrl.secret));
    }

    /** The API key, if the API has one. */
    public Optional<String> apiKey() {
        return apiKey.get();
    }

    /** Whether {@link #apiKey()} can answer without a request to Secrets Manager. */
    public boolean apiKeyKnown() {
        return apiKey.secret == null || apiKey.secret.isRead();
    }

    /** The bearer token of the remote workers, if any. */
    public Optional<String> workerToken() {
        return workerToken.get();
    }

    /**
     * The token a worker substrate sends: its own when one is configured, else the shared worker
     * token. A substrate whose URL ({@code urlKey}) is set without either is a configuration error.
     */
    public String workerTokenFor(Optional<String> own, String urlKey) {
        return own.or(this::workerToken)
                .orElseThrow(() -> new IllegalStateException(urlKey
                        + " is set but no token: set PACKETFS_WORKER_TOKEN (or PACKETFS_WORKER_TOKEN_SECRET_ARN)"));
    }

    private static String redisUrl(SecretValue secret) {
        String url = secret.get();
        if (url.startsWith(PLACEHOLDER_PREFIX)) {
            throw new SecretUnavailableException("the Redis URL secret " + secret.arn()
                    + " still holds its placeholder;"
                    + " put your Redis URL in it: aws secretsmanager put-secret-value --secret-id " + secret.arn()
                    + " --secret-string 'rediss://USER:PASSWORD@HOST:PORT'");
        }
        return url;
    }

    /** A value given directly, or else the secret an ARN names ({@link SecretValue} reads it once). */
    private record Source(Optional<String> value, SecretValue secret) {
        static Source of(Optional<String> value, Optional<String> arn) {
            boolean fromSecret =
                    value.isEmpty() && arn.filter(a -> !a.isBlank()).isPresent();
            return new Source(value, fromSecret ? SecretValue.of(arn.get()) : null);
        }

        Optional<String> get() {
            return secret == null ? value : Optional.of(secret.get());
        }
    }
}
