package dev.packetfs.worker.lambda;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code packetfs.*} keys of the Lambda worker, set through the function's environment
 * ({@code PACKETFS_WORKER_TOKEN}, {@code PACKETFS_FETCH_ALLOW_HOSTS}, ...).
 */
@ConfigMapping(prefix = "packetfs")
public interface LambdaWorkerConfig {

    Worker worker();

    Fetch fetch();

    interface Worker {
        /**
         * The bearer token function URL requests must carry. The function does not start without
         * it or {@link #tokenSecretArn()}.
         */
        Optional<String> token();

        /**
         * {@code PACKETFS_WORKER_TOKEN_SECRET_ARN}: the Secrets Manager secret holding the token,
         * read at the first function URL request (never at init, which SnapStart freezes) and
         * then kept. {@link #token()}, when set, wins.
         */
        Optional<String> tokenSecretArn();

        /** Reported as {@code location}; Lambda sets {@code AWS_REGION}. */
        @WithDefault("local")
        String location();

        /** One invocation runs one job; more than one at once only happens in local harnesses. */
        @WithDefault("4")
        int maxConcurrency();

        /** Cut further by the invocation's own deadline. */
        @WithDefault("60s")
        Duration maxDuration();

        /** Left for the response before the Lambda deadline. */
        @WithDefault("500ms")
        Duration deadlineMargin();

        /** A synchronous Invoke carries at most 6 MB. */
        @WithDefault("6291456")
        long maxBodyBytes();
    }

    interface Fetch {
        Optional<String> allowHosts();

        @WithDefault("268435456")
        long maxWindowBytes();

        @WithDefault("5s")
        Duration connectTimeout();

        @WithDefault("3")
        int maxRedirects();
    }
}
