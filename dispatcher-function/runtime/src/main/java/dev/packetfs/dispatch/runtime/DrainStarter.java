package dev.packetfs.dispatch.runtime;

import dev.packetfs.dispatch.queue.redis.DrainLeases;
import dev.packetfs.dispatch.queue.redis.RedisConnections;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaAsyncClient;
import software.amazon.awssdk.services.lambda.LambdaAsyncClientBuilder;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * Starts a drain at once when jobs arrive, instead of at the schedule's next tick: an asynchronous
 * {@code Invoke} (InvocationType {@code Event}) of the drain's alias, under a lease in Redis
 * ({@link DrainLeases}) so that any number of submissions at once start one drain, more only while
 * the backlog per drain is above {@code packetfs.drain.jobs-per-drain}, and never more than
 * {@code packetfs.drain.max-drains}.
 *
 * <p>Starting is synchronous and never throws: on Lambda the function is frozen as soon as it has
 * answered, so an Invoke still in flight then would wait for the next request. A drain that could
 * not be started (throttled, denied, Redis down) leaves its job queued for the schedule, with a
 * log line, the Micrometer counter {@code packetfs.drain.starts{outcome}} and the CloudWatch metric
 * {@code DrainStartFailures}.
 */
@ApplicationScoped
public class DrainStarter {
    private static final Logger LOG = Logger.getLogger(DrainStarter.class);
    /** The longest a start may hold its request: the lease step and the Invoke (Event answers at once). */
    private static final Duration INVOKE_TIMEOUT = Duration.ofSeconds(3);

    private final PacketfsConfig.Drain config;
    private final Optional<RedisConnections> redis;
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Optional<EmbeddedMetrics> cloudWatch;
    private final Map<String, LambdaAsyncClient> clients = new ConcurrentHashMap<>();
    private volatile DrainLeases leases;

    public DrainStarter(
            PacketfsConfig config,
            Optional<RedisConnections> redis,
            MeterRegistry registry,
            Optional<EmbeddedMetrics> cloudWatch) {
        this.config = config.drain();
        this.redis = redis;
        FunctionCounter.builder("packetfs.drain.starts", started, AtomicLong::get)
                .tag("outcome", "started")
                .description("drains started by submissions and by running drains")
                .register(registry);
        FunctionCounter.builder("packetfs.drain.starts", failed, AtomicLong::get)
                .tag("outcome", "failed")
                .description("drains that could not be started; their jobs wait for the schedule")
                .register(registry);
        this.cloudWatch = cloudWatch;
    }

    /** The leases of the shared Redis; empty with an in-memory queue, where no drain is started. */
    public Optional<DrainLeases> leases() {
        if (redis.isEmpty()) {
            return Optional.empty();
        }
        if (leases == null) {
            leases = new DrainLeases(redis.get());
        }
        return Optional.of(leases);
    }

    /** After jobs were queued through the API: starts a drain of the configured function if one is needed. */
    public void jobsArrived() {
        if (config.kick().enabled()) {
            config.kick().function().ifPresent(function -> start(function, "jobs arrived"));
        }
    }

    /**
     * Starts a drain of {@code function} when the leases say one is needed.
     *
     * @return whether one was started
     */
    public boolean start(String function, String reason) {
        Optional<DrainLeases> l = leases();
        if (l.isEmpty() || !config.kick().enabled()) {
            return false;
        }
        String id = UUID.randomUUID().toString();
        DrainLeases.Step step;
        try {
            step = l.get().start(id, config.startLease(), config.maxDrains(), config.jobsPerDrain());
        } catch (RuntimeException e) {
            failed(function, id, "its lease could not be taken: " + e.getMessage(), false);
            return false;
        }
        if (!step.done()) {
            return false;
        }
        String payload = "{\"drain_id\":\"" + id + "\",\"reason\":\"" + reason + "\"}";
        try {
            InvokeResponse r = client(function)
                    .invoke(b -> b.functionName(function)
                            .invocationType(InvocationType.EVENT)
                            .payload(SdkBytes.fromUtf8String(payload)))
                    .get(INVOKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (r.statusCode() != 202) {
                failed(function, id, "Invoke answered " + r.statusCode(), true);
                return false;
            }
        } catch (ExecutionException e) {
            failed(function, id, e.getCause().getMessage(), true);
            return false;
        } catch (TimeoutException e) {
            failed(function, id, "Invoke did not answer within " + INVOKE_TIMEOUT.toMillis() + " ms", true);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed(function, id, "interrupted", true);
            return false;
        }
        started.incrementAndGet();
        LOG.infof("drain %s started (%s; %d drains, %d jobs waiting)", id, reason, step.running(), step.waiting());
        return true;
    }

    private void failed(String function, String id, String why, boolean release) {
        if (release) {
            try {
                leases.cancel(id);
            } catch (RuntimeException e) {
                // Its start lease expires by itself.
            }
        }
        failed.incrementAndGet();
        cloudWatch.ifPresent(m -> m.count("DrainStartFailures", 1));
        LOG.warnf("could not start a drain of %s (%s); the jobs stay queued for the scheduled drain", function, why);
    }

    /** Drains that could not be started, since this process started. */
    public long startFailures() {
        return failed.get();
    }

    private LambdaAsyncClient client(String function) {
        return clients.computeIfAbsent(function, f -> {
            LambdaAsyncClientBuilder builder = LambdaAsyncClient.builder()
                    .region(Region.of(region(f)))
                    .credentialsProvider(DefaultCredentialsProvider.builder().build())
                    // No retry: a throttled start is left to the schedule, not repeated under load.
                    .overrideConfiguration(o -> o.retryStrategy(b -> b.maxAttempts(1)))
                    .httpClientBuilder(NettyNioAsyncHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)));
            config.kick().endpoint().ifPresent(builder::endpointOverride);
            return builder.build();
        });
    }

    /** arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER], else the configured or the process's region. */
    private String region(String function) {
        String[] arn = function.split(":");
        if (arn.length >= 7 && arn[0].equals("arn") && arn[2].equals("lambda")) {
            return arn[3];
        }
        return config.kick()
                .region()
                .or(() -> Optional.ofNullable(System.getenv("AWS_REGION")))
                .orElse("us-east-1");
    }

    @PreDestroy
    void close() {
        clients.values().forEach(LambdaAsyncClient::close);
    }
}
