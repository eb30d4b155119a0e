package dev.packetfs.dispatch.server.bench;

import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.queue.QueueSettings;
import dev.packetfs.dispatch.queue.redis.RedisConnections;
import dev.packetfs.dispatch.queue.redis.RedisStreamJobQueue;
import dev.packetfs.dispatch.server.DispatcherProcess;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.testing.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code scripts/bench dispatch}: end-to-end dispatch on real Redis and real dispatcher processes
 * (the local substrate, inline 64-byte data). Latency is submit → result stored: from the instant
 * the client sends a job to the instant Redis tells it (keyspace notification) that the job's
 * result key was written, both on the client's clock.
 *
 * <pre>
 * --jobs N          jobs to run (default 200000)
 * --rate R          offer R jobs/s, one per submit call; 0 = as fast as the client can (default)
 * --dispatchers K   dispatcher processes sharing the Redis (default 1)
 * --backlog         queue all jobs first, then start the dispatchers and time the drain,
 *                   sampling their RSS and heap
 * --warmup N        run N jobs first, untimed, so JIT compilation is over (default 50000;
 *                   0 measures a cold start)
 * --redis URL       use this Redis (default: a redis-server of the benchmark's own)
 * </pre>
 * The last line printed is JSON: {"jobs","seconds","jobs_per_s","p50_ms","p99_ms", ...}.
 */
public final class DispatchBench {
    private static final Pattern HEAP = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"[^}]*} ([0-9.E+]+)");
    /** The old generation alone (ParallelGC's name): what survives collections, the "flat" part. */
    private static final Pattern OLD =
            Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\",id=\"PS Old Gen\"} ([0-9.E+]+)");

    int jobs = 200_000;
    int warmup = 50_000;
    int rate;
    int dispatchers = 1;
    boolean backlog;
    String redisUrl;
    /** Extra dispatcher environment, from --env KEY=VALUE. */
    Map<String, String> env = new HashMap<>();

    public static void main(String[] args) throws Exception {
        DispatchBench bench = new DispatchBench();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jobs" -> bench.jobs = Integer.parseInt(args[++i]);
                case "--rate" -> bench.rate = Integer.parseInt(args[++i]);
                case "--dispatchers" -> bench.dispatchers = Integer.parseInt(args[++i]);
                case "--backlog" -> bench.backlog = true;
                case "--warmup" -> bench.warmup = Integer.parseInt(args[++i]);
                case "--redis" -> bench.redisUrl = args[++i];
                case "--env" -> {
                    String[] kv = args[++i].split("=", 2);
                    bench.env.put(kv[0], kv[1]);
                }
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        bench.run();
        System.exit(0);
    }

    void run() throws Exception {
        RedisServer own = redisUrl == null ? RedisServer.start() : null;
        String url = own != null ? own.url() : redisUrl;
        try (RedisConnections redis = RedisConnections.open(url)) {
            RedisStreamJobQueue client = new RedisStreamJobQueue(redis, QueueSettings.defaults(), "bench-client");
            List<ComputeJob> all = makeJobs("b", jobs);
            long[] submittedAt = new long[jobs];
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < jobs; i++) {
                index.put(all.get(i).jobId(), i);
            }
            ResultWatcher watcher = new ResultWatcher(redisUrlOf(url, own), jobs);
            List<DispatcherProcess> procs = new ArrayList<>();
            Sampler sampler = null;
            long start;
            try {
                if (!backlog && warmup > 0) {
                    startDispatchers(url, procs);
                    log("warming up with %d jobs (untimed)", warmup);
                    long before = successes(redis);
                    submitAll(client, makeJobs("w", warmup), new long[warmup], 0);
                    awaitDone(redis, before, warmup);
                    if (rate > 0) {
                        // The paced path (one job per submission) warms other code than bulk does.
                        int paced = rate * 15;
                        log("warming up at %d jobs/s for 15 s (untimed)", rate);
                        long mark = successes(redis);
                        submitAtRate(client, makeJobs("p", paced), new long[paced]);
                        awaitDone(redis, mark, paced);
                    }
                }
                long baseline = successes(redis);
                if (backlog) {
                    submitAll(client, all, submittedAt, 0);
                    log("queued %d jobs; starting %d dispatcher(s)", jobs, dispatchers);
                    start = System.nanoTime();
                    startDispatchers(url, procs);
                    sampler = new Sampler(procs);
                    sampler.start();
                } else {
                    if (procs.isEmpty()) {
                        startDispatchers(url, procs);
                    }
                    start = System.nanoTime();
                    if (rate > 0) {
                        submitAtRate(client, all, submittedAt);
                    } else {
                        submitAll(client, all, submittedAt, 0);
                    }
                }
                awaitDone(redis, baseline, jobs);
                double seconds = (System.nanoTime() - start) / 1e9;
                if (sampler != null) {
                    sampler.stopSampling();
                }
                long[] latencies = backlog ? new long[0] : watcher.latencies(submittedAt, index);
                watcher.close();
                report(seconds, latencies, sampler);
            } finally {
                for (DispatcherProcess p : procs) {
                    p.close();
                }
                client.close();
            }
        } finally {
            if (own != null) {
                own.close();
            }
        }
    }

    List<ComputeJob> makeJobs(String prefix, int count) {
        List<ComputeJob> out = new ArrayList<>(count);
        SplittableRandom random = new SplittableRandom(7);
        Op[] ops = Op.values();
        for (int i = 0; i < count; i++) {
            byte[] data = new byte[64];
            random.nextBytes(data);
            Op op = ops[i % ops.length];
            out.add(ComputeJob.of(prefix + i, Program.over(op, op == Op.CRC32C || op == Op.FNV64 ? 0 : 7, data)));
        }
        return out;
    }

    void startDispatchers(String url, List<DispatcherProcess> procs) throws Exception {
        for (int k = 0; k < dispatchers; k++) {
            // BENCH_DISPATCHER_JVM replaces the dispatcher's JVM options (GC experiments, profiling).
            String options = System.getenv().getOrDefault("BENCH_DISPATCHER_JVM", "-XX:+UseParallelGC");
            List<String> jvm = new ArrayList<>(List.of("-Xmx512m"));
            jvm.addAll(List.of(options.trim().split("\\s+")));
            procs.add(DispatcherProcess.start("bench-" + k, url, env, jvm));
        }
    }

    /**
     * Submits in batches of 100 from two threads, each job stamped as its batch is sent. Batches
     * stay small because Redis runs one script at a time: a long submit script would hold up the
     * dispatcher's reads and settlements behind it.
     */
    void submitAll(RedisStreamJobQueue client, List<ComputeJob> all, long[] submittedAt, int unused) throws Exception {
        int batch = 100;
        int threads = 2;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread w = new Thread(() -> {
                for (int from = first * batch; from < all.size(); from += threads * batch) {
                    int to = Math.min(all.size(), from + batch);
                    long now = epochMicros();
                    Arrays.fill(submittedAt, from, to, now);
                    client.intake().submit(all.subList(from, to));
                }
            });
            w.start();
            workers.add(w);
        }
        for (Thread w : workers) {
            w.join();
        }
    }

    /**
     * One job per submission, paced to the offered rate; submissions are not awaited one by one
     * (a producer at 1,000 jobs/s does not stop for each), so a slow answer cannot skew the pace.
     */
    void submitAtRate(RedisStreamJobQueue client, List<ComputeJob> all, long[] submittedAt) throws Exception {
        long intervalNanos = 1_000_000_000L / rate;
        long next = System.nanoTime();
        List<java.util.concurrent.CompletableFuture<?>> sent = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            submittedAt[i] = epochMicros();
            sent.add(client.intake().submitAsync(List.of(all.get(i))));
            next += intervalNanos;
        }
        java.util.concurrent.CompletableFuture.allOf(sent.toArray(java.util.concurrent.CompletableFuture[]::new))
                .join();
    }

    long successes(RedisConnections redis) throws Exception {
        String v = redis.commands().hget("packetfs:stats:local", "successes").get();
        return v == null ? 0 : Long.parseLong(v);
    }

    void awaitDone(RedisConnections redis, long baseline, int jobs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        long last = -1;
        while (System.nanoTime() < deadline) {
            long done = successes(redis) - baseline;
            if (done >= jobs) {
                return;
            }
            if (done / 100_000 != last / 100_000) {
                log("%d / %d done", done, jobs);
            }
            last = done;
            Thread.sleep(20);
        }
        throw new IllegalStateException("not done in 30 minutes");
    }

    void report(double seconds, long[] latencies, Sampler sampler) {
        StringBuilder json = new StringBuilder();
        json.append(String.format("{\"jobs\":%d,\"seconds\":%.3f,\"jobs_per_s\":%.0f", jobs, seconds, jobs / seconds));
        if (backlog) {
            json.append(",\"p50_ms\":null,\"p99_ms\":null"); // a drain of a queued backlog has no submit latency
        } else {
            json.append(String.format(",\"p50_ms\":%.2f,\"p99_ms\":%.2f", pct(latencies, 50), pct(latencies, 99)));
        }
        json.append(String.format(
                ",\"dispatchers\":%d,\"rate\":%d,\"backlog\":%b,\"warmup\":%d",
                dispatchers, rate, backlog, backlog ? 0 : warmup));
        if (sampler != null) {
            json.append(String.format(
                    ",\"peak_rss_mb\":%.0f,\"heap_used_mb_min\":%.0f,\"heap_used_mb_max\":%.0f"
                            + ",\"old_gen_mb_min\":%.1f,\"old_gen_mb_max\":%.1f,\"samples\":%d",
                    sampler.peakRss / 1e6,
                    sampler.heapMin / 1e6,
                    sampler.heapMax / 1e6,
                    sampler.oldMin / 1e6,
                    sampler.oldMax / 1e6,
                    sampler.samples));
        }
        json.append('}');
        log(
                "%d jobs in %.2f s: %.0f jobs/s; latency p50 %.2f, p90 %.2f, p99 %.2f, p99.9 %.2f, max %.2f ms",
                jobs,
                seconds,
                jobs / seconds,
                pct(latencies, 50),
                pct(latencies, 90),
                pct(latencies, 99),
                pct(latencies, 99.9),
                latencies.length == 0 ? 0 : latencies[latencies.length - 1] / 1000.0);
        System.out.println(json);
    }

    static String redisUrlOf(String url, RedisServer own) {
        if (own != null) {
            own.cli("CONFIG", "SET", "notify-keyspace-events", "K$");
        }
        return url;
    }

    /**
     * Stamps each result key as Redis reports it written (keyspace notifications for string
     * commands, K$: enabled on the benchmark's own Redis; on another Redis, enable it first).
     */
    static final class ResultWatcher implements AutoCloseable {
        private static final String PREFIX = "__keyspace@0__:packetfs:results:";
        private final io.lettuce.core.RedisClient client;
        private final io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> pubsub;
        private final Map<String, Long> storedAt;

        ResultWatcher(String url, int expected) throws Exception {
            storedAt = new java.util.concurrent.ConcurrentHashMap<>(expected * 2);
            client = io.lettuce.core.RedisClient.create(url);
            pubsub = client.connectPubSub();
            pubsub.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
                @Override
                public void message(String pattern, String channel, String message) {
                    if ("set".equals(message)) {
                        storedAt.putIfAbsent(channel.substring(PREFIX.length()), epochMicros());
                    }
                }
            });
            pubsub.sync().psubscribe(PREFIX + "*");
        }

        long[] latencies(long[] submittedAt, Map<String, Integer> index) {
            String dump = System.getenv("BENCH_LATENCY_CSV");
            if (dump != null) {
                try (java.io.PrintWriter w = new java.io.PrintWriter(dump)) {
                    storedAt.forEach((id, at) -> {
                        Integer i = index.get(id);
                        if (i != null) {
                            w.println(submittedAt[i] + "," + (at - submittedAt[i]));
                        }
                    });
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            long[] out = new long[storedAt.size()];
            int n = 0;
            for (Map.Entry<String, Long> e : storedAt.entrySet()) {
                Integer i = index.get(e.getKey());
                if (i != null) {
                    out[n++] = e.getValue() - submittedAt[i];
                }
            }
            long[] sorted = Arrays.copyOf(out, n);
            Arrays.sort(sorted);
            return sorted;
        }

        @Override
        public void close() {
            pubsub.close();
            client.shutdown();
        }
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)] / 1000.0;
    }

    static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    static void log(String format, Object... args) {
        System.err.printf("[bench] " + format + "%n", args);
    }

    /** Samples the dispatchers' RSS (from /proc) and heap (from their Prometheus endpoint). */
    static final class Sampler extends Thread {
        final List<DispatcherProcess> procs;
        final HttpClient http = HttpClient.newHttpClient();
        volatile boolean running = true;
        long peakRss;
        double heapMin = Double.MAX_VALUE;
        double heapMax;
        double oldMin = Double.MAX_VALUE;
        double oldMax;
        int samples;

        Sampler(List<DispatcherProcess> procs) {
            this.procs = procs;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (running) {
                for (DispatcherProcess p : procs) {
                    peakRss = Math.max(peakRss, p.rssBytes());
                    try {
                        String metrics = http.send(
                                        HttpRequest.newBuilder(URI.create(p.url() + "/q/metrics"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .body();
                        double heap = 0;
                        Matcher m = HEAP.matcher(metrics);
                        while (m.find()) {
                            heap += Double.parseDouble(m.group(1));
                        }
                        heapMin = Math.min(heapMin, heap);
                        heapMax = Math.max(heapMax, heap);
                        Matcher old = OLD.matcher(metrics);
                        if (old.find()) {
                            double used = Double.parseDouble(old.group(1));
                            oldMin = Math.min(oldMin, used);
                            oldMax = Math.max(oldMax, used);
                        }
                        samples++;
                    } catch (Exception e) {
                        // a sample missed
                    }
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stopSampling() {
            running = false;
        }
    }
}
