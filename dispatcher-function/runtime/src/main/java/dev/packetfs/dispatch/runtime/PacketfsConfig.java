package dev.packetfs.dispatch.runtime;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The dispatcher's configuration, {@code packetfs.*} in {@code application.properties}; each key
 * can be set from the environment by its upper-case form ({@code packetfs.redis.url} ←
 * {@code PACKETFS_REDIS_URL}, {@code packetfs.api-key} ← {@code PACKETFS_API_KEY},
 * {@code packetfs.fetch.allow-hosts} ← {@code PACKETFS_FETCH_ALLOW_HOSTS}).
 */
@ConfigMapping(prefix = "packetfs")
public interface PacketfsConfig {

    Redis redis();

    /** When set, the HTTP API requires {@code Authorization: Bearer <key>}. */
    Optional<String> apiKey();

    /**
     * {@code PACKETFS_API_KEY_SECRET_ARN}: the Secrets Manager secret holding the API key, read at
     * the first request ({@link DeploymentSecrets}); {@link #apiKey()} wins.
     */
    Optional<String> apiKeySecretArn();

    Fetch fetch();

    Queue queue();

    Dispatch dispatch();

    Fanout fanout();

    Select select();

    Limits limits();

    Drain drain();

    Metrics metrics();

    Worker worker();

    /**
     * USD per billed unit, per substrate: {@code packetfs.prices.lambda.gb_seconds=0.0000166667}.
     * Defaults to the list prices each substrate's module gives ({@link SubstrateModule#listPrices()}).
     */
    Map<String, Map<String, BigDecimal>> prices();

    interface Redis {
        /**
         * {@code redis://host:port}, {@code rediss://...}, or {@code redis-cluster://h1:p1,h2:p2};
         * unset: the embedded in-memory queue (one process, nothing kept across restarts).
         */
        Optional<String> url();

        /**
         * {@code PACKETFS_REDIS_URL_SECRET_ARN}: the Secrets Manager secret holding the URL, read
         * when the queue is first used ({@link DeploymentSecrets}); {@link #url()} wins.
         */
        Optional<String> urlSecretArn();

        /** This process's name in the consumer group; unique per process (default: host-pid-random). */
        Optional<String> consumer();
    }

    interface Fetch {
        /** Hosts and CIDRs exempt from the private-address refusal, comma-separated. */
        Optional<String> allowHosts();

        @WithDefault("1073741824")
        long maxWindowBytes();

        @WithDefault("5s")
        Duration connectTimeout();

        @WithDefault("60s")
        Duration timeout();
    }

    interface Queue {
        /** How long a delivery may go unextended before another dispatcher takes it over. */
        @WithDefault("30s")
        Duration visibilityTimeout();

        @WithDefault("24h")
        Duration resultTtl();

        /** Execution records kept in {@code packetfs:metrics}. */
        @WithDefault("10000")
        int metricsKept();

        @WithDefault("10")
        int maxDeliveries();

        /**
         * Jobs queued at most (ready, running, waiting to be retried); a submission past it is
         * refused with 429, jobs LPUSHed past it wait in the ingress list.
         */
        @WithDefault("2000000")
        long maxJobs();

        /**
         * Bytes of job JSON (inline data included) queued at most, likewise. Unset: 1 GiB on Redis,
         * 64 MiB for the in-memory queue, which lives in the dispatcher's heap.
         */
        Optional<Long> maxBytes();

        /** Dead letters kept; the oldest are trimmed. */
        @WithDefault("10000")
        int deadLettersKept();
    }

    interface Dispatch {
        /** Run the dispatch loop in this process (the Lambda function URL only accepts jobs). */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("4096")
        int maxInFlight();

        /**
         * Bytes of job JSON one dispatcher holds at once (in flight), which bounds its heap under
         * large jobs: each byte held costs about five of heap while it runs (the reply from Redis,
         * the decoded job, its retry envelope or result, the write to Redis).
         */
        @WithDefault("16777216")
        long maxInFlightBytes();

        @WithDefault("512")
        int takeBatch();

        /** The longest one blocking read for jobs waits; bounds how long stopping takes. */
        @WithDefault("2s")
        Duration takeWait();

        @WithDefault("30s")
        Duration defaultTimeout();

        @WithDefault("3")
        int maxAttempts();

        @WithDefault("200ms")
        Duration initialBackoff();

        @WithDefault("30s")
        Duration maxBackoff();

        @WithDefault("1s")
        Duration throttleBackoff();

        @WithDefault("100")
        int maxThrottles();

        @WithDefault("10s")
        Duration healthInterval();

        /** How long shutdown waits for executions in flight. */
        @WithDefault("10s")
        Duration shutdownGrace();
    }

    /** Fan-out jobs: jobs with {@code window_bytes}, cut into windows (docs/jobs.md#fan-out). */
    interface Fanout {
        /** Windows one job may be cut into; more is refused, naming the smallest window_bytes that fits. */
        @WithDefault("200000")
        long maxWindows();

        /** Windows of one job queued or running at once (one at a time for fnv64, which chains). */
        @WithDefault("256")
        int maxOutstanding();

        /** How long learning the object's size (HEAD, or a one-byte Range request) may take. */
        @WithDefault("10s")
        Duration probeTimeout();

        /**
         * Times a job with {@code "on_change": "restart"} is planned again when its object changes
         * while it runs; once more, it fails (docs/jobs.md#one-version-of-the-object).
         */
        @WithDefault("3")
        int maxRestarts();

        Hedge hedge();

        /** Late windows get a duplicate elsewhere; the first answer wins (docs/jobs.md#stragglers). */
        interface Hedge {
            @WithDefault("true")
            boolean enabled();

            /** A window is late after this many times its substrate's observed (moving average) latency. */
            @WithDefault("4")
            double factor();

            /** And after at least this long. */
            @WithDefault("500ms")
            Duration minDelay();

            /** And only once this share of its job's windows is done (0..1). */
            @WithDefault("0.9")
            double after();
        }
    }

    interface Select {
        @WithDefault("1")
        double costWeight();

        @WithDefault("1")
        double latencyWeight();

        @WithDefault("1000")
        double failureWeight();

        @WithDefault("0.2")
        double ewmaAlpha();
    }

    /** The scheduled drain (a Lambda function run by an EventBridge schedule). */
    interface Metrics {
        /**
         * Write per-substrate metrics in CloudWatch's Embedded Metric Format to standard output
         * (on Lambda, CloudWatch Logs turns them into metrics for the cost dashboard). The Lambda
         * packagings turn it on.
         */
        @WithDefault("false")
        boolean emf();

        /** How often the metrics are written; a drain also writes them when it ends. */
        @WithDefault("10s")
        Duration emfInterval();
    }

    interface Drain {
        /** Stop taking jobs this long before the Lambda deadline, so what is in flight can finish. */
        @WithDefault("10s")
        Duration margin();

        /** Stop early once the queue has been empty this long. */
        @WithDefault("5s")
        Duration idleStop();

        /** The longest one drain runs; also the budget when the runtime gives no deadline. */
        @WithDefault("14m")
        Duration maxBudget();

        /** Drains running at once, at most: submissions start no more, a scheduled one beyond it stops at once. */
        @WithDefault("4")
        int maxDrains();

        /** Another drain starts while more jobs than this wait for each one running. */
        @WithDefault("50")
        int jobsPerDrain();

        /** A running drain's lease in Redis, renewed every second; a drain that dies stops counting after it. */
        @WithDefault("15s")
        Duration lease();

        /** How long a drain just invoked counts as running before it holds its own lease (its cold start). */
        @WithDefault("30s")
        Duration startLease();

        Kick kick();

        /** Starting a drain at once when jobs arrive (docs/http-api.md#the-lambda-function-url). */
        interface Kick {
            /** Off: only the schedule starts drains. */
            @WithDefault("true")
            boolean enabled();

            /**
             * The drain's function (name or ARN, with its alias) the HTTP API invokes; unset: the
             * API starts none. A drain starts others of its own function, as it was invoked.
             */
            Optional<String> function();

            /** An endpoint override for the Invoke API (an emulator); unset: AWS. */
            Optional<URI> endpoint();

            /** The region, when the function is not an ARN; unset: AWS_REGION, else us-east-1. */
            Optional<String> region();
        }
    }

    interface Worker {
        /** {@code PACKETFS_WORKER_TOKEN}: the bearer token remote workers require on {@code /compute}. */
        Optional<String> token();

        /**
         * {@code PACKETFS_WORKER_TOKEN_SECRET_ARN}: the Secrets Manager secret holding it, read when
         * the substrates are first built ({@link DeploymentSecrets}); {@link #token()} wins.
         */
        Optional<String> tokenSecretArn();
    }

    interface Limits {
        /** Largest inline {@code data} a job may carry (decoded bytes); it is stored in the queue. */
        @WithDefault("1048576")
        int maxInlineBytes();
    }
}
