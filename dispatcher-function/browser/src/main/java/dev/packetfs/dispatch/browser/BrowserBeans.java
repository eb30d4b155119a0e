package dev.packetfs.dispatch.browser;

import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.runtime.PacketfsConfig;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Program;
import dev.packetfs.protocol.fetch.FetchException;
import dev.packetfs.protocol.fetch.PublicAddressPolicy;
import dev.packetfs.protocol.fetch.WindowFetcher;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The {@code browser} substrate, a bean the dispatcher's selector picks up like any adapter. */
@ApplicationScoped
public class BrowserBeans {

    private final ExecutorService recomputeExecutor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "packetfs-browser-verify");
        t.setDaemon(true);
        return t;
    });

    @Produces
    @Singleton
    BrowserSubstrate browsers(BrowserConfig config, PacketfsConfig packetfs, WindowFetcher fetcher, JobQueue queue,
            MeterRegistry registry) {
        BrowserSettings settings = new BrowserSettings(config.maxNodeConcurrency(), config.trustAfter(),
                config.minVerifyProbability(), config.spotCheckRate(), config.distinctAddresses(),
                config.maxMessagesPerSecond(), config.unverifiedKept(), config.expectedLatency());
        PublicAddressPolicy policy = PublicAddressPolicy.allowing(packetfs.fetch().allowHosts().orElse(null));
        // Corrections read and write the queue, which may block: never on the caller's event loop.
        BrowserSubstrate browsers = new BrowserSubstrate(settings, program -> recompute(fetcher, program),
                (jobId, truth) -> recomputeExecutor.execute(() -> correct(queue, jobId, truth)),
                program -> volunteersMayFetch(policy, program), config.maxDuration());
        register(registry, browsers);
        return browsers;
    }

    /** packetfs_browser_* at /q/metrics: the volunteers, and what verifying them costs and finds. */
    private static void register(MeterRegistry registry, BrowserSubstrate browsers) {
        Gauge.builder("packetfs.browser.nodes", browsers, BrowserSubstrate::nodeCount).register(registry);
        Gauge.builder("packetfs.browser.capacity", browsers, BrowserSubstrate::capacity).register(registry);
        BrowserSubstrate.Stats s = browsers.stats();
        Map.of("jobs", s.jobs, "leases", s.leases, "quorums", s.quorums, "recomputes", s.recomputes,
                "unverified", s.unverified, "spot_checks", s.spotChecks, "caught", s.caught, "corrected", s.corrected,
                "releases", s.releases)
                .forEach((name, counter) -> FunctionCounter.builder("packetfs.browser." + name, counter, AtomicLong::get)
                        .register(registry));
    }

    /** The dispatcher's own kernel, reading the window with its own checked fetcher. */
    private CompletableFuture<KernelResult> recompute(WindowFetcher fetcher, Program program) {
        if (program.dataUrl() == null) {
            return CompletableFuture.completedFuture(Kernel.execute(program));
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return fetcher.fetchAndExecute(program);
            } catch (FetchException e) {
                throw new CompletionException(e);
            }
        }, recomputeExecutor);
    }

    private static void correct(JobQueue queue, String jobId, KernelResult truth) {
        queue.result(jobId).ifPresent(stored -> queue.correctResult(new JobResult(jobId, JobResult.Status.SUCCEEDED,
                "local", truth.toJson(), stored.executionTimeMs(), stored.costPicoUsd(), stored.attempts() + 1,
                null, Instant.now())));
    }

    /**
     * A volunteer must not be sent to fetch from its own network: the {@code data_url} host must
     * resolve to public addresses only, under the same rules and allow-list as the fetcher's.
     */
    static boolean volunteersMayFetch(PublicAddressPolicy policy, Program program) {
        String host = URI.create(program.dataUrl()).getHost();
        if (host == null) {
            return false;
        }
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        try {
            return policy.firstRefused(bare, InetAddress.getAllByName(bare)) == null;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
