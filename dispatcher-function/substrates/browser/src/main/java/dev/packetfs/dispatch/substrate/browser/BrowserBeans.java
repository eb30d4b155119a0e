package dev.packetfs.dispatch.substrate.browser;

import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.queue.JobRecords;
import dev.packetfs.dispatch.runtime.DeploymentSecrets;
import dev.packetfs.dispatch.runtime.PacketfsConfig;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.ObjectVersion;
import dev.packetfs.kernel.Program;
import dev.packetfs.protocol.fetch.AddressPolicy;
import dev.packetfs.protocol.fetch.FetchException;
import dev.packetfs.protocol.fetch.PublicAddressPolicy;
import dev.packetfs.protocol.fetch.WindowFetcher;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The {@code browser} substrate and its meters; {@link BrowserModule} offers it to the selector. */
@ApplicationScoped
public class BrowserBeans {

    private final ExecutorService recomputeExecutor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "packetfs-browser-verify");
        t.setDaemon(true);
        return t;
    });

    @Produces
    @Singleton
    BrowserSubstrate browsers(
            BrowserConfig config,
            PacketfsConfig packetfs,
            WindowFetcher fetcher,
            JobRecords records,
            DeploymentSecrets secrets,
            MeterRegistry registry) {
        BrowserSettings settings = new BrowserSettings(
                config.maxNodeConcurrency(),
                config.trustAfter(),
                config.minVerifyProbability(),
                config.spotCheckRate(),
                config.distinctAddresses(),
                config.maxMessagesPerSecond(),
                config.unverifiedKept(),
                config.expectedLatency(),
                config.maxConnectionsPerAddress());
        // The volunteers' own allow-list: what the trusted substrates may fetch (packetfs.fetch.allow-hosts)
        // says nothing about where an untrusted browser may be sent.
        PublicAddressPolicy volunteers =
                PublicAddressPolicy.allowing(config.allowHosts().orElse(null));
        // Corrections read and write the queue, which may block: never on the caller's event loop.
        ResultCorrector corrector = (jobId, truth) -> recomputeExecutor.execute(() -> correct(records, jobId, truth));
        BrowserSubstrate browsers = config.edgeUrl()
                .map(edge -> wireAtEdge(
                        settings,
                        fetcher,
                        volunteers,
                        corrector,
                        config.maxDuration(),
                        recomputeExecutor,
                        edge,
                        secrets.workerTokenFor(config.edgeToken(), "packetfs.browser.edge-url")))
                .orElseGet(
                        () -> wire(settings, fetcher, volunteers, corrector, config.maxDuration(), recomputeExecutor));
        register(registry, browsers);
        return browsers;
    }

    /**
     * The substrate wired to the dispatcher's own kernel and checked fetcher, which verify the
     * volunteers and pin the versions they read, and to the volunteers' address rules. Reads and
     * recomputations run on {@code executor}, never on the caller's thread.
     */
    public static BrowserSubstrate wire(
            BrowserSettings settings,
            WindowFetcher fetcher,
            PublicAddressPolicy volunteers,
            ResultCorrector corrector,
            Duration maxDuration,
            Executor executor) {
        return new BrowserSubstrate(
                settings,
                program -> recompute(fetcher, program, executor),
                corrector,
                program -> volunteerRefusal(volunteers, program),
                (url, timeout) -> probe(fetcher, url, timeout, executor),
                maxDuration);
    }

    /** As {@link #wire}, its volunteers at the edge coordinator {@code edge}, leased to with {@code token}. */
    static BrowserSubstrate wireAtEdge(
            BrowserSettings settings,
            WindowFetcher fetcher,
            PublicAddressPolicy volunteers,
            ResultCorrector corrector,
            Duration maxDuration,
            Executor executor,
            URI edge,
            String token) {
        return BrowserSubstrate.atEdge(
                settings,
                program -> recompute(fetcher, program, executor),
                corrector,
                program -> volunteerRefusal(volunteers, program),
                (url, timeout) -> probe(fetcher, url, timeout, executor),
                maxDuration,
                edge,
                token);
    }

    /** packetfs_browser_* at /q/metrics: the volunteers, and what verifying them costs and finds. */
    private static void register(MeterRegistry registry, BrowserSubstrate browsers) {
        Gauge.builder("packetfs.browser.nodes", browsers, BrowserSubstrate::nodeCount)
                .register(registry);
        Gauge.builder("packetfs.browser.capacity", browsers, BrowserSubstrate::capacity)
                .register(registry);
        BrowserStats s = browsers.stats();
        Timer lease = Timer.builder("packetfs.browser.lease")
                .description("a job's first lease, from asking the coordinator to its answer")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        s.leaseRoundTrip = nanos -> lease.record(nanos, TimeUnit.NANOSECONDS);
        Map.of(
                        "jobs",
                        s.jobs,
                        "leases",
                        s.leases,
                        "quorums",
                        s.quorums,
                        "recomputes",
                        s.recomputes,
                        "unverified",
                        s.unverified,
                        "spot_checks",
                        s.spotChecks,
                        "caught",
                        s.caught,
                        "corrected",
                        s.corrected,
                        "releases",
                        s.releases,
                        "refused",
                        s.refused)
                .forEach(
                        (name, counter) -> FunctionCounter.builder("packetfs.browser." + name, counter, AtomicLong::get)
                                .register(registry));
    }

    /** The dispatcher's own kernel, reading the window with its own checked fetcher. */
    private static CompletableFuture<KernelResult> recompute(
            WindowFetcher fetcher, Program program, Executor executor) {
        if (program.dataUrl() == null) {
            return CompletableFuture.completedFuture(Kernel.execute(program));
        }
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return fetcher.fetchAndExecute(program);
                    } catch (FetchException e) {
                        throw new CompletionException(e);
                    }
                },
                executor);
    }

    /** The object's version now, from the dispatcher's own checked fetcher; null when it cannot be told. */
    private static CompletableFuture<ObjectVersion> probe(
            WindowFetcher fetcher, String url, Duration timeout, Executor executor) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return fetcher.probe(url, timeout).version();
                    } catch (FetchException e) {
                        return null; // leased unpinned, as before versions: the volunteers' read will tell
                    }
                },
                executor);
    }

    private static void correct(JobRecords records, String jobId, KernelResult truth) {
        records.result(jobId)
                .ifPresent(stored -> records.correctResult(new JobResult(
                        jobId,
                        JobResult.Status.SUCCEEDED,
                        "local",
                        truth.toJson(),
                        stored.executionTimeMs(),
                        stored.costPicoUsd(),
                        stored.attempts() + 1,
                        null,
                        Instant.now())));
    }

    /**
     * Why volunteers may not be sent to this {@code data_url}, or null when they may: every address
     * its host resolves to must pass the address rules, with only the volunteers' own exemptions.
     * The browser resolves the name again when it fetches; docs/security.md says what that leaves
     * open (split-horizon DNS, rebinding).
     */
    static String volunteerRefusal(PublicAddressPolicy policy, Program program) {
        String host = URI.create(program.dataUrl()).getHost();
        if (host == null) {
            return "data_url has no host volunteers could be sent to";
        }
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] resolved;
        try {
            resolved = InetAddress.getAllByName(bare);
        } catch (UnknownHostException e) {
            return "data_url host " + bare + " does not resolve";
        }
        InetAddress refused = policy.firstRefused(bare, resolved);
        return refused == null
                ? null
                : "data_url " + AddressPolicy.describe(bare, refused)
                        + ": volunteers are never sent to such an address (packetfs.browser.allow-hosts exempts one)";
    }
}
