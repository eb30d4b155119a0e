package dev.packetfs.dispatch.runtime;

import dev.packetfs.secrets.SecretUnavailableException;
import dev.packetfs.secrets.SecretValue;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.function.Supplier;

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

    private final Supplier<Optional<String>> redisUrl;
    private final Supplier<Optional<String>> apiKey;
    private final Supplier<Optional<String>> workerToken;

    DeploymentSecrets(PacketfsConfig config) {
        this.redisUrl = either(config.redis().url(), config.redis().urlSecretArn(), DeploymentSecrets::redisUrl);
        this.apiKey = either(config.apiKey().filter(k -> !k.isEmpty()), config.apiKeySecretArn(), s -> s.get());
        this.workerToken = either(config.worker().token(), config.worker().tokenSecretArn(), s -> s.get());
    }

    /** The Redis URL, if any: empty is the embedded queue. */
    public Optional<String> redisUrl() {
        return redisUrl.get();
    }

    /** The API key, if the API has one. */
    public Optional<String> apiKey() {
        return apiKey.get();
    }

    /** Whether {@link #apiKey()} can answer without a request to Secrets Manager. */
    public boolean apiKeyKnown() {
        return apiKey instanceof Known || ((Remote) apiKey).value != null;
    }

    /** The bearer token of the remote workers, if any. */
    public Optional<String> workerToken() {
        return workerToken.get();
    }

    private static String redisUrl(SecretValue secret) {
        String url = secret.get();
        if (url.startsWith(PLACEHOLDER_PREFIX)) {
            throw new SecretUnavailableException("the Redis URL secret " + secret.arn() + " still holds its placeholder;"
                    + " put your Redis URL in it: aws secretsmanager put-secret-value --secret-id " + secret.arn()
                    + " --secret-string 'rediss://USER:PASSWORD@HOST:PORT'");
        }
        return url;
    }

    private static Supplier<Optional<String>> either(Optional<String> value, Optional<String> arn,
            java.util.function.Function<SecretValue, String> read) {
        if (value.isPresent() || arn.filter(a -> !a.isBlank()).isEmpty()) {
            return new Known(value);
        }
        return new Remote(SecretValue.of(arn.get()), read);
    }

    private record Known(Optional<String> known) implements Supplier<Optional<String>> {
        @Override
        public Optional<String> get() {
            return known;
        }
    }

    private static final class Remote implements Supplier<Optional<String>> {
        private final SecretValue secret;
        private final java.util.function.Function<SecretValue, String> read;
        private volatile Optional<String> value;

        Remote(SecretValue secret, java.util.function.Function<SecretValue, String> read) {
            this.secret = secret;
            this.read = read;
        }

        @Override
        public Optional<String> get() {
            Optional<String> known = value;
            if (known == null) {
                known = Optional.of(read.apply(secret));
                value = known;
            }
            return known;
        }
    }
}
