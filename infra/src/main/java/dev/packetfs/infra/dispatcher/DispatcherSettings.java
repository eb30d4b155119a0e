package dev.packetfs.infra.dispatcher;

import dev.packetfs.infra.ContextValues;
import dev.packetfs.infra.lambda.LogRetention;
import java.util.Optional;

/**
 * The dispatcher functions' settings, from CDK context; the keys and their defaults are listed in
 * infra/README.md.
 */
public record DispatcherSettings(
        int memoryMb,
        UrlAuth urlAuth,
        int drainRateMinutes,
        int drainTimeoutSeconds,
        Optional<String> redisUrlSecretArn,
        boolean elastiCache,
        int natGateways,
        int elastiCacheMaxDataGb,
        Optional<String> flyioUrl,
        Optional<String> cloudrunUrl,
        Optional<String> cloudflareUrl,
        int logRetentionDays,
        int maxDrains) {

    /** Who may call the dispatcher's function URL. */
    public enum UrlAuth {
        /** Only SigV4-signed requests from principals allowed {@code lambda:InvokeFunctionUrl}. */
        AWS_IAM,
        /** Anyone on the internet; the API's own key ({@code PACKETFS_API_KEY}) is then the only guard. */
        NONE
    }

    public static final String MEMORY_KEY = "packetfs:dispatcherMemoryMb";
    public static final String URL_AUTH_KEY = "packetfs:dispatcherUrlAuth";
    public static final String DRAIN_RATE_KEY = "packetfs:drainRateMinutes";
    public static final String DRAIN_TIMEOUT_KEY = "packetfs:drainTimeoutSeconds";
    public static final String REDIS_URL_SECRET_ARN_KEY = "packetfs:redisUrlSecretArn";
    public static final String ELASTICACHE_KEY = "packetfs:elasticache";
    public static final String NAT_GATEWAYS_KEY = "packetfs:natGateways";
    public static final String ELASTICACHE_MAX_DATA_GB_KEY = "packetfs:elasticacheMaxDataGb";
    public static final String FLYIO_URL_KEY = "packetfs:flyioUrl";
    public static final String CLOUDRUN_URL_KEY = "packetfs:cloudrunUrl";
    public static final String CLOUDFLARE_URL_KEY = "packetfs:cloudflareUrl";
    public static final String MAX_DRAINS_KEY = "packetfs:maxDrains";

    public DispatcherSettings {
        if (elastiCache && redisUrlSecretArn.isPresent()) {
            throw new IllegalArgumentException(
                    "context " + ELASTICACHE_KEY + "=true creates the Redis and its URL secret;" + " unset "
                            + REDIS_URL_SECRET_ARN_KEY + " or set " + ELASTICACHE_KEY + "=false");
        }
        redisUrlSecretArn.filter(arn -> !arn.startsWith("arn:")).ifPresent(arn -> {
            throw new IllegalArgumentException("context " + REDIS_URL_SECRET_ARN_KEY
                    + " must be a secret's complete ARN (arn:aws:secretsmanager:…), not '" + arn + "'");
        });
    }

    public static DispatcherSettings from(ContextValues context) {
        return new DispatcherSettings(
                context.integer(MEMORY_KEY, 1024, 128, 10240),
                context.choice(URL_AUTH_KEY, UrlAuth.class, UrlAuth.AWS_IAM),
                context.integer(DRAIN_RATE_KEY, 1, 1, 60),
                // The drain's own budget (packetfs.drain.max-budget) is 14 minutes; Lambda allows 15.
                context.integer(DRAIN_TIMEOUT_KEY, 900, 30, 900),
                context.text(REDIS_URL_SECRET_ARN_KEY),
                context.flag(ELASTICACHE_KEY, false),
                context.integer(NAT_GATEWAYS_KEY, 1, 1, 3),
                context.integer(ELASTICACHE_MAX_DATA_GB_KEY, 5, 1, 5000),
                context.text(FLYIO_URL_KEY),
                context.text(CLOUDRUN_URL_KEY),
                context.text(CLOUDFLARE_URL_KEY),
                LogRetention.days(context),
                context.integer(MAX_DRAINS_KEY, 4, 1, 100));
    }
}
