package dev.packetfs.dispatch.lambda.url;

import dev.packetfs.lambdalocal.LambdaEmulator;
import dev.packetfs.testing.RedisServer;
import dev.packetfs.testing.RepositoryPaths;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;

/**
 * A real redis-server, and the drain's real {@code function.zip} under the local Lambda service
 * (AWS's runtime interface client), for the API under test to start drains of: the Invoke API's
 * endpoint and the function's alias ARN are wired in as {@code packetfs.drain.kick.*}. No
 * schedule exists: a job runs only if a submission started a drain.
 */
public class DrainFunctionResource implements QuarkusTestResourceLifecycleManager {
    static final String FUNCTION = "packetfs-drain";
    static final String ALIAS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:" + FUNCTION + ":live";
    static final int MAX_DRAINS = 2;
    static final int JOBS_PER_DRAIN = 5;
    /** The running service, for the test to read its counts. */
    static volatile LambdaEmulator lambda;

    private RedisServer redis;

    @Override
    public Map<String, String> start() {
        redis = RedisServer.start();
        Map<String, String> drainEnv = Map.of(
                "PACKETFS_REDIS_URL",
                redis.url(),
                "PACKETFS_DRAIN_IDLE_STOP",
                "1s",
                "PACKETFS_DRAIN_MAX_DRAINS",
                Integer.toString(MAX_DRAINS),
                "PACKETFS_DRAIN_JOBS_PER_DRAIN",
                Integer.toString(JOBS_PER_DRAIN),
                "PACKETFS_LOCAL_MAX_CONCURRENCY",
                "2",
                "PACKETFS_FETCH_ALLOW_HOSTS",
                "127.0.0.1");
        try {
            // One execution environment more than the most drains: only the leases keep a third away.
            lambda = LambdaEmulator.start(new LambdaEmulator.Settings(
                    RepositoryPaths.find("dispatcher-function/lambda-drain/target/function.zip"),
                    RepositoryPaths.find("lambda-local/target/lambda-ric"),
                    LambdaEmulator.ACCESS_KEY,
                    0,
                    drainEnv,
                    MAX_DRAINS + 1,
                    8,
                    1024,
                    Duration.ofSeconds(60),
                    FUNCTION));
            lambda.awaitWarm(Duration.ofMinutes(3));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        // The API's credentials for Invoke, from the AWS SDK's default chain, as on Lambda.
        System.setProperty("aws.accessKeyId", LambdaEmulator.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", "local-secret-key");
        return Map.of(
                "packetfs.redis.url",
                redis.url(),
                "packetfs.drain.kick.function",
                ALIAS_ARN,
                "packetfs.drain.kick.endpoint",
                lambda.endpoint().toString(),
                "packetfs.drain.max-drains",
                Integer.toString(MAX_DRAINS),
                "packetfs.drain.jobs-per-drain",
                Integer.toString(JOBS_PER_DRAIN),
                "packetfs.fetch.allow-hosts",
                "127.0.0.1");
    }

    @Override
    public void stop() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        if (lambda != null) {
            lambda.close();
        }
        if (redis != null) {
            redis.close();
        }
    }
}
