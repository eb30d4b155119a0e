package dev.packetfs.dispatch.runtime;

import dev.packetfs.dispatch.engine.DispatchSettings;
import dev.packetfs.dispatch.engine.Dispatcher;
import dev.packetfs.dispatch.engine.RetryPolicy;
import dev.packetfs.dispatch.fanout.FanOutPlanner;
import dev.packetfs.dispatch.fanout.FanOutSettings;
import dev.packetfs.dispatch.ledger.CostLedger;
import dev.packetfs.dispatch.ledger.PriceList;
import dev.packetfs.dispatch.queue.DeadLetters;
import dev.packetfs.dispatch.queue.JobDelivery;
import dev.packetfs.dispatch.queue.JobIntake;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.JobRecords;
import dev.packetfs.dispatch.queue.QueueBooks;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.queue.memory.InMemoryJobQueue;
import dev.packetfs.dispatch.queue.redis.RedisConnections;
import dev.packetfs.dispatch.queue.redis.RedisStreamJobQueue;
import dev.packetfs.dispatch.select.ScoringPolicy;
import dev.packetfs.dispatch.select.SubstrateSelector;
import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import dev.packetfs.dispatch.substrate.VolunteerCensus;
import dev.packetfs.protocol.fetch.FetchLimits;
import dev.packetfs.protocol.fetch.PublicAddressPolicy;
import dev.packetfs.protocol.fetch.WindowFetcher;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import software.amazon.cloudwatchlogs.emf.environment.LambdaEnvironment;

/** Builds the dispatch core from {@link PacketfsConfig}; every packaging of the dispatcher uses these beans. */
@ApplicationScoped
public class DispatcherBeans {
    private static final Logger LOG = Logger.getLogger(DispatcherBeans.class);

    /**
     * The Redis connections, when a Redis URL is configured; opened when the queue is first used,
     * which on Lambda is the first invocation (never at init, which SnapStart freezes).
     */
    @Produces
    @Singleton
    Optional<RedisConnections> redis(DeploymentSecrets secrets) {
        return secrets.redisUrl().map(url -> {
            LOG.infof("queue: Redis at %s", redact(url));
            return RedisConnections.open(url);
        });
    }

    void closeRedis(@Disposes Optional<RedisConnections> redis) {
        redis.ifPresent(RedisConnections::close);
    }

    @Produces
    @Singleton
    JobQueue queue(PacketfsConfig config, Optional<RedisConnections> redis) {
        PacketfsConfig.Queue q = config.queue();
        long maxBytes = q.maxBytes().orElse(redis.isEmpty() ? 64L << 20 : 1L << 30);
        QueueSettings settings = new QueueSettings(
                q.visibilityTimeout(),
                q.resultTtl(),
                q.metricsKept(),
                q.maxDeliveries(),
                Duration.ofSeconds(2),
                q.maxJobs(),
                maxBytes,
                q.deadLettersKept());
        if (redis.isEmpty()) {
            LOG.info("queue: embedded, in memory (set PACKETFS_REDIS_URL to share a Redis queue)");
            return new InMemoryJobQueue(settings);
        }
        return new RedisStreamJobQueue(
                redis.get(), settings, config.redis().consumer().orElseGet(DispatcherBeans::consumerName));
    }

    void closeQueue(@Disposes JobQueue queue) {
        queue.close();
    }

    // Each caller is given the one port of the queue it uses.

    @Produces
    @Singleton
    JobIntake intake(JobQueue queue) {
        return queue.intake();
    }

    @Produces
    @Singleton
    JobDelivery delivery(JobQueue queue) {
        return queue.delivery();
    }

    @Produces
    @Singleton
    JobRecords records(JobQueue queue) {
        return queue.records();
    }

    @Produces
    @Singleton
    DeadLetters deadLetters(JobQueue queue) {
        return queue.deadLetters();
    }

    @Produces
    @Singleton
    QueueBooks books(JobQueue queue) {
        return queue.books();
    }

    @Produces
    @Singleton
    WindowFetcher fetcher(PacketfsConfig config) {
        PacketfsConfig.Fetch f = config.fetch();
        return new WindowFetcher(
                new FetchLimits(f.maxWindowBytes(), f.connectTimeout(), f.timeout(), 3),
                PublicAddressPolicy.allowing(f.allowHosts().orElse(null)));
    }

    void closeFetcher(@Disposes WindowFetcher fetcher) throws IOException {
        fetcher.close();
    }

    /** Each module's list prices, overridden unit by unit by {@code packetfs.prices.<substrate>.<unit>}. */
    @Produces
    @Singleton
    PriceList prices(PacketfsConfig config, Instance<SubstrateModule> modules) {
        Map<String, Map<String, BigDecimal>> merged = new HashMap<>();
        modules.forEach(module -> merged.put(module.name(), new HashMap<>(module.listPrices())));
        config.prices()
                .forEach((substrate, units) ->
                        merged.computeIfAbsent(substrate, s -> new HashMap<>()).putAll(units));
        return new PriceList(merged);
    }

    /**
     * The substrates: every {@link SubstrateModule} on the class path that this deployment
     * configures, in the order of their names (a tie in score goes to the first).
     */
    @Produces
    @Singleton
    SubstrateSelector selector(PacketfsConfig config, PriceList prices, Instance<SubstrateModule> modules) {
        List<SubstrateAdapter> all = modules.stream()
                .sorted(Comparator.comparing(SubstrateModule::name))
                .flatMap(module -> module.adapter().stream())
                .toList();
        PacketfsConfig.Select s = config.select();
        LOG.infof("substrates: %s", all.stream().map(a -> a.capability().name()).toList());
        return new SubstrateSelector(
                all, new ScoringPolicy(s.costWeight(), s.latencyWeight(), s.failureWeight(), s.ewmaAlpha()), prices);
    }

    void closeSubstrates(@Disposes SubstrateSelector selector) {
        selector.states().forEach(s -> s.adapter().close());
    }

    private final ExecutorService fetchExecutor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "packetfs-probe");
        t.setDaemon(true);
        return t;
    });

    @Produces
    @Singleton
    CostLedger ledger(PriceList prices, MeterRegistry registry, Optional<EmbeddedMetrics> cloudWatch) {
        CostLedger ledger = new CostLedger(prices, registry);
        cloudWatch.ifPresent(metrics -> ledger.onPublish(metrics::record));
        return ledger;
    }

    /** Per-provider metrics for CloudWatch when {@code packetfs.metrics.emf} is on (the Lambda packagings). */
    @Produces
    @Singleton
    Optional<EmbeddedMetrics> cloudWatchMetrics(PacketfsConfig config, QueueBooks books, SubstrateSelector selector) {
        if (!config.metrics().emf()) {
            return Optional.empty();
        }
        EmbeddedMetrics metrics = new EmbeddedMetrics(
                new LambdaEnvironment(),
                () -> books.depth().dead(),
                () -> selector.volunteers()
                        .map(s -> ((VolunteerCensus) s.adapter()).shards())
                        .orElse(List.of()));
        long every = config.metrics().emfInterval().toMillis();
        metricsTimer.scheduleWithFixedDelay(metrics::flush, every, every, TimeUnit.MILLISECONDS);
        return Optional.of(metrics);
    }

    private final ScheduledExecutorService metricsTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "packetfs-cloudwatch-metrics");
        t.setDaemon(true);
        return t;
    });

    @Produces
    @Singleton
    Dispatcher dispatcher(
            PacketfsConfig config,
            JobDelivery queue,
            SubstrateSelector selector,
            CostLedger ledger,
            MeterRegistry registry,
            WindowFetcher fetcher) {
        PacketfsConfig.Dispatch d = config.dispatch();
        RetryPolicy retry = new RetryPolicy(
                d.maxAttempts(), d.initialBackoff(), 2.0, 0.5, d.maxBackoff(), d.throttleBackoff(), d.maxThrottles());
        // Extend deliveries well before another dispatcher may take them over.
        Duration heartbeat = config.queue().visibilityTimeout().dividedBy(3);
        DispatchSettings settings = new DispatchSettings(
                d.maxInFlight(),
                d.maxInFlightBytes(),
                d.takeBatch(),
                d.takeWait(),
                d.defaultTimeout(),
                Duration.ofSeconds(2),
                heartbeat,
                d.healthInterval(),
                retry);
        PacketfsConfig.Fanout f = config.fanout();
        PacketfsConfig.Fanout.Hedge h = f.hedge();
        FanOutSettings fanOut = new FanOutSettings(
                f.maxWindows(),
                f.maxOutstanding(),
                f.probeTimeout(),
                h.enabled(),
                h.factor(),
                h.minDelay(),
                h.after(),
                f.maxRestarts());
        // Probes are HTTP requests through the dispatcher's own fetcher and its address rules.
        FanOutPlanner planner = new FanOutPlanner(fetcher::probe, fetchExecutor, selector, fanOut);
        created = new Dispatcher(queue, selector, ledger, settings, registry, planner);
        return created;
    }

    /** The dispatcher, once something has needed it: the loop of {@code pfs serve}, or the drain's. */
    private volatile Dispatcher created;

    /**
     * Starts the loop where it runs in the background ({@code pfs serve}). Elsewhere (the Lambda
     * packagings) nothing is built here: the queue, its Redis and the substrates wait for the
     * first invocation.
     */
    void startDispatching(@Observes StartupEvent event, PacketfsConfig config, Instance<Dispatcher> dispatcher) {
        if (config.dispatch().enabled()) {
            dispatcher.get().start();
            LOG.info("dispatching: on");
        }
    }

    void stopDispatching(@Observes ShutdownEvent event, PacketfsConfig config) throws InterruptedException {
        Dispatcher running = created;
        if (running != null) {
            running.shutdown(config.dispatch().shutdownGrace());
        }
        fetchExecutor.shutdownNow();
        metricsTimer.shutdownNow();
    }

    static String consumerName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "host";
        }
        String pid = ManagementFactory.getRuntimeMXBean().getName().split("@")[0];
        return host + "-" + pid + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The URL without its password, for logs. */
    static String redact(String url) {
        return url.replaceAll("://([^:@/]*):[^@/]*@", "://$1:***@");
    }
}
