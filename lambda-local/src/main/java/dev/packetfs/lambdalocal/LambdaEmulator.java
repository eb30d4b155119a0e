package dev.packetfs.lambdalocal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * A local stand-in for the Lambda service that runs the <em>real</em> deployment artifact, a
 * function's {@code function.zip} (PacketFS's: {@code worker-lambda/target/function.zip}),
 * unzipped as Lambda unzips it to {@code /var/task},
 * executed by AWS's own Java runtime interface client (the process Lambda's Java runtime runs)
 * with the handler {@code QuarkusStreamHandler::handleRequest}.
 *
 * <p>What is emulated, and only that: the service's two small HTTP APIs. The Invoke API
 * ({@code POST /2015-03-31/functions/NAME/invocations}, {@code GET .../configuration}) with its
 * documented behaviour for an unknown access key (403 UnrecognizedClientException), an unknown
 * function (404), a payload over 6 MB (413), reserved concurrency exhausted (429
 * TooManyRequestsException), a function error and a function timeout (200 with
 * {@code X-Amz-Function-Error: Unhandled}; the execution environment is then replaced) and the
 * {@code REPORT} log tail; and the Runtime API ({@code /2018-06-01/runtime/...}) each execution
 * environment polls, one endpoint per environment as in Lambda.
 *
 * <p>Why about 640 lines in one class: the two APIs and the execution environments share one
 * queue of pending invocations, one map of running ones and one concurrency count, and an
 * invocation crosses all three (accepted by the Invoke API, taken by an environment's Runtime API,
 * answered or timed out there, replied to by the Invoke API). Split, each part would reach into
 * the others' state. The function URL in front of it is its own class ({@link FunctionUrlFront}).
 *
 * <p>Used by the dispatcher's tests and, as a process of its own ({@link #main}), by
 * {@code ./scripts/deploy-all --target local}.
 */
public final class LambdaEmulator implements AutoCloseable {
    public static final String FUNCTION = "packetfs-worker";
    /** The access key the Invoke API accepts unless told another. */
    public static final String ACCESS_KEY = "AKIAPACKETFSTEST0001";

    private static final int MAX_PAYLOAD = 6 * 1024 * 1024;

    private final String accessKey;
    private final String secretKey;
    private final String functionName;
    private final Path taskRoot;
    private final Path ricDir;
    private final Path jniLibrary;
    private final Map<String, String> functionEnv;
    private final int memoryMb;
    private final Duration functionTimeout;
    private final int reservedConcurrency;
    private final HttpServer api;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "lambda-emulator");
        t.setDaemon(true);
        return t;
    });
    private final BlockingQueue<Invocation> pending = new LinkedBlockingQueue<>();
    private final Map<String, Invocation> running = new ConcurrentHashMap<>();
    private final List<Environment> environments = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    public final AtomicInteger invocations = new AtomicInteger();
    public final AtomicInteger throttled = new AtomicInteger();
    public final AtomicInteger timedOut = new AtomicInteger();
    /** Asynchronous invocations (InvocationType Event) accepted. */
    public final AtomicInteger events = new AtomicInteger();
    /** The most invocations running at once, synchronous and asynchronous. */
    public final AtomicInteger peakRunning = new AtomicInteger();

    private final AtomicInteger runningNow = new AtomicInteger();

    private LambdaEmulator(Settings settings) throws IOException {
        this.accessKey = settings.accessKey();
        this.functionName = settings.functionName();
        this.taskRoot = Files.createTempDirectory("lambda-task");
        unzip(settings.functionZip(), taskRoot);
        this.ricDir = settings.ricDir().toAbsolutePath();
        this.jniLibrary = extractJni(ricDir, taskRoot.resolveSibling(taskRoot.getFileName() + "-jni.so"));
        this.functionEnv = Map.copyOf(settings.functionEnv());
        this.memoryMb = settings.memoryMb();
        this.functionTimeout = settings.functionTimeout();
        this.reservedConcurrency = settings.reservedConcurrency();
        this.api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), settings.port()), 64);
        api.setExecutor(threads);
        api.createContext("/2015-03-31/functions/", this::invokeApi);
        api.start();
        this.secretKey = settings.secretKey();
        for (int i = 0; i < settings.environments(); i++) {
            environments.add(new Environment());
        }
        this.url = settings.urlPort() < 0
                ? null
                : new FunctionUrlFront(
                        this,
                        settings.urlPort(),
                        FunctionUrlFront.Auth.valueOf(settings.urlAuth()),
                        accessKey,
                        secretKey,
                        threads);
        if (settings.schedule() == null) {
            this.schedule = null;
        } else {
            this.schedule = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "lambda-emulator-schedule");
                t.setDaemon(true);
                return t;
            });
            long every = settings.schedule().toMillis();
            schedule.scheduleAtFixedRate(this::tick, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** One tick of the schedule: an asynchronous invocation with the event EventBridge sends. */
    private void tick() {
        ticks.incrementAndGet();
        String event = "{\"version\":\"0\",\"id\":\"" + UUID.randomUUID() + "\",\"detail-type\":\"Scheduled Event\","
                + "\"source\":\"aws.events\",\"account\":\"123456789012\",\"time\":\""
                + Instant.now().truncatedTo(ChronoUnit.SECONDS)
                + "\",\"region\":\"us-east-1\",\"resources\":[\"arn:aws:events:us-east-1:123456789012:rule/"
                + functionName
                + "-schedule\"],\"detail\":{}}";
        threads.execute(() -> {
            try {
                invoke(
                        event.getBytes(StandardCharsets.UTF_8),
                        "arn:aws:lambda:us-east-1:123456789012:function:" + functionName + ":live");
            } catch (IOException e) {
                // a scheduled invocation's answer goes nowhere
            }
        });
    }

    /** The function URL, when it has one. */
    public Optional<URI> functionUrl() {
        return Optional.ofNullable(url).map(FunctionUrlFront::url);
    }

    /** A function URL's invocation: synchronous, on the function's alias. */
    Reply invokeSync(byte[] payload) throws IOException {
        return invoke(payload, "arn:aws:lambda:us-east-1:123456789012:function:" + functionName + ":live");
    }

    /**
     * @param functionZip the function's deployment package
     * @param ricDir the runtime interface client's jars (this module's {@code target/lambda-ric})
     * @param accessKey the only access key the Invoke API accepts
     * @param port the Invoke API's loopback port; 0 for any
     * @param environments execution environments kept warm (each a runtime interface client JVM)
     * @param reservedConcurrency invocations in flight before Invoke answers 429
     */
    public record Settings(
            Path functionZip,
            Path ricDir,
            String accessKey,
            int port,
            Map<String, String> functionEnv,
            int environments,
            int reservedConcurrency,
            int memoryMb,
            Duration functionTimeout,
            String functionName,
            String secretKey,
            int urlPort,
            String urlAuth,
            Duration schedule) {

        /** The worker's settings: the function is {@link #FUNCTION}. */
        public Settings(
                Path functionZip,
                Path ricDir,
                String accessKey,
                int port,
                Map<String, String> functionEnv,
                int environments,
                int reservedConcurrency,
                int memoryMb,
                Duration functionTimeout) {
            this(
                    functionZip,
                    ricDir,
                    accessKey,
                    port,
                    functionEnv,
                    environments,
                    reservedConcurrency,
                    memoryMb,
                    functionTimeout,
                    FUNCTION);
        }

        /** A function of another name, with no URL and no schedule. */
        public Settings(
                Path functionZip,
                Path ricDir,
                String accessKey,
                int port,
                Map<String, String> functionEnv,
                int environments,
                int reservedConcurrency,
                int memoryMb,
                Duration functionTimeout,
                String functionName) {
            this(
                    functionZip,
                    ricDir,
                    accessKey,
                    port,
                    functionEnv,
                    environments,
                    reservedConcurrency,
                    memoryMb,
                    functionTimeout,
                    functionName,
                    SECRET_KEY,
                    -1,
                    "AWS_IAM",
                    null);
        }

        /** With a function URL on {@code urlPort} (0: any), auth type {@code AWS_IAM} or {@code NONE}. */
        public Settings withFunctionUrl(int urlPort, String urlAuth) {
            return new Settings(
                    functionZip,
                    ricDir,
                    accessKey,
                    port,
                    functionEnv,
                    environments,
                    reservedConcurrency,
                    memoryMb,
                    functionTimeout,
                    functionName,
                    secretKey,
                    urlPort,
                    urlAuth,
                    schedule);
        }

        /** Invoked asynchronously with an EventBridge scheduled event every {@code every}, as a schedule rule does. */
        public Settings withSchedule(Duration every) {
            return new Settings(
                    functionZip,
                    ricDir,
                    accessKey,
                    port,
                    functionEnv,
                    environments,
                    reservedConcurrency,
                    memoryMb,
                    functionTimeout,
                    functionName,
                    secretKey,
                    urlPort,
                    urlAuth,
                    every);
        }
    }

    /** The secret key that goes with {@link #ACCESS_KEY} unless told another. */
    public static final String SECRET_KEY = "local-secret-key";

    private final FunctionUrlFront url;
    private final ScheduledExecutorService schedule;
    /** Scheduled invocations sent. */
    public final AtomicInteger ticks = new AtomicInteger();

    public static LambdaEmulator start(Settings settings) throws IOException {
        return new LambdaEmulator(settings);
    }

    /**
     * The service as a process: {@code java -jar packetfs-lambda-local.jar --function-zip ZIP
     * --ric-dir DIR [--port N] [--environments N] [--reserved-concurrency N] [--memory-mb N]
     * [--timeout-seconds N]}. The function's environment is this process's {@code PACKETFS_*}
     * variables, and the accepted access key {@code AWS_ACCESS_KEY_ID}. Prints {@code READY <url>}
     * once every environment has initialised; stops, with its environments, on SIGTERM.
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of(
                "--port",
                "0",
                "--environments",
                "2",
                "--reserved-concurrency",
                "8",
                "--memory-mb",
                "1024",
                "--timeout-seconds",
                "60",
                "--function-name",
                FUNCTION,
                "--function-url-auth",
                "AWS_IAM"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        if (!options.containsKey("--function-zip") || !options.containsKey("--ric-dir") || args.length % 2 != 0) {
            System.err.println("usage: LambdaEmulator --function-zip ZIP --ric-dir DIR [--port N] [--environments N]"
                    + " [--reserved-concurrency N] [--memory-mb N] [--timeout-seconds N] [--function-name NAME]"
                    + " [--function-url-port N] [--function-url-auth AWS_IAM|NONE] [--schedule-seconds N]");
            System.exit(2);
        }
        Map<String, String> functionEnv = new HashMap<>();
        System.getenv().forEach((k, v) -> {
            // And the endpoint of a Secrets Manager on loopback, for functions that read secrets by ARN.
            if (k.startsWith("PACKETFS_") || k.equals("AWS_ENDPOINT_URL_SECRETS_MANAGER")) {
                functionEnv.put(k, v);
            }
        });
        String key = System.getenv().getOrDefault("AWS_ACCESS_KEY_ID", ACCESS_KEY);
        String secret = System.getenv().getOrDefault("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        Settings settings = new Settings(
                Path.of(options.get("--function-zip")),
                Path.of(options.get("--ric-dir")),
                key,
                Integer.parseInt(options.get("--port")),
                functionEnv,
                Integer.parseInt(options.get("--environments")),
                Integer.parseInt(options.get("--reserved-concurrency")),
                Integer.parseInt(options.get("--memory-mb")),
                Duration.ofSeconds(Long.parseLong(options.get("--timeout-seconds"))),
                options.get("--function-name"),
                secret,
                -1,
                options.get("--function-url-auth"),
                null);
        if (options.containsKey("--function-url-port")) {
            settings = settings.withFunctionUrl(
                    Integer.parseInt(options.get("--function-url-port")), options.get("--function-url-auth"));
        }
        if (options.containsKey("--schedule-seconds")) {
            settings = settings.withSchedule(Duration.ofSeconds(Long.parseLong(options.get("--schedule-seconds"))));
        }
        LambdaEmulator emulator = start(settings);
        Runtime.getRuntime().addShutdownHook(new Thread(emulator::close, "lambda-emulator-stop"));
        emulator.awaitWarm(Duration.ofMinutes(3));
        System.out.println("READY " + emulator.endpoint()
                + emulator.functionUrl().map(u -> " " + u).orElse(""));
        System.out.flush();
        Thread.currentThread().join();
    }

    /** Invocations running now, synchronous and asynchronous. */
    public int running() {
        return runningNow.get();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + api.getAddress().getPort());
    }

    /** Stops every execution environment at once, as if the whole fleet vanished. */
    public void killEnvironments() {
        synchronized (environments) {
            environments.forEach(e -> e.process.destroyForcibly());
        }
    }

    /** Waits until every environment has initialised (the first poll of the Runtime API). */
    public void awaitWarm(Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        synchronized (environments) {
            for (Environment e : environments) {
                while (!e.ready.await(100, TimeUnit.MILLISECONDS)) {
                    if (!e.process.isAlive() || System.nanoTime() > until) {
                        throw new IllegalStateException("execution environment not ready ("
                                + (e.process.isAlive() ? "still starting" : "exited " + e.process.exitValue())
                                + "); its output:\n" + e.output());
                    }
                }
            }
        }
    }

    // ---- Invoke API ----

    private void invokeApi(HttpExchange exchange) throws IOException {
        try (exchange) {
            String[] parts = exchange.getRequestURI().getPath().split("/");
            // /2015-03-31/functions/NAME/(invocations|configuration); NAME may be an ARN, and may end
            // in :QUALIFIER (or give it as ?Qualifier=)
            String name = parts.length > 3 ? URLDecoder.decode(parts[3], StandardCharsets.UTF_8) : "";
            String action = parts.length > 4 ? parts[4] : "";
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.contains("Credential=" + accessKey + "/")) {
                error(
                        exchange,
                        403,
                        "UnrecognizedClientException",
                        "The security token included in the request is invalid.");
                return;
            }
            String invoked = invokedArn(name, exchange.getRequestURI().getRawQuery());
            if (invoked == null) {
                error(exchange, 404, "ResourceNotFoundException", "Function not found: " + name);
                return;
            }
            if (action.equals("configuration") && exchange.getRequestMethod().equals("GET")) {
                send(
                        exchange,
                        200,
                        Map.of(),
                        ("{\"FunctionName\":\"" + functionName + "\",\"Runtime\":\"java17\",\"MemorySize\":"
                                        + memoryMb + ",\"Timeout\":" + functionTimeout.toSeconds()
                                        + ",\"State\":\"Active\","
                                        + "\"LastUpdateStatus\":\"Successful\"}")
                                .getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (!action.equals("invocations") || !exchange.getRequestMethod().equals("POST")) {
                error(exchange, 404, "ResourceNotFoundException", "no such operation");
                return;
            }
            byte[] payload = exchange.getRequestBody().readNBytes(MAX_PAYLOAD + 1);
            if (payload.length > MAX_PAYLOAD) {
                error(
                        exchange,
                        413,
                        "RequestTooLargeException",
                        "Request must be smaller than 6291456 bytes for the InvokeFunction operation");
                return;
            }
            String type = exchange.getRequestHeaders().getFirst("X-Amz-Invocation-Type");
            if ("Event".equals(type)) {
                // Lambda queues the event and answers at once; the function runs when an
                // execution environment is free (a throttled event waits, it is not refused).
                events.incrementAndGet();
                threads.execute(() -> {
                    try {
                        invoke(payload, invoked);
                    } catch (IOException e) {
                        // an event's answer goes nowhere
                    }
                });
                send(exchange, 202, Map.of(), new byte[0]);
                return;
            }
            if (inFlight.incrementAndGet() > reservedConcurrency) {
                inFlight.decrementAndGet();
                throttled.incrementAndGet();
                error(exchange, 429, "TooManyRequestsException", "Rate Exceeded.");
                return;
            }
            Reply reply;
            try {
                reply = invoke(payload, invoked);
            } finally {
                // As on Lambda, the concurrency is free once the function has returned, before
                // its answer reaches the caller: a caller that sends its next Invoke on reading
                // this one's answer must find the slot free.
                inFlight.decrementAndGet();
            }
            send(exchange, 200, reply.headers(), reply.body());
        }
    }

    record Reply(Map<String, String> headers, byte[] body) {}

    /** The function's ARN as {@code name} (and a {@code Qualifier} query) invoke it, or null when it names another function. */
    private String invokedArn(String name, String query) {
        String[] arn = name.split(":");
        String bare;
        String qualifier = null;
        if (arn.length >= 7 && arn[0].equals("arn") && arn[5].equals("function")) {
            bare = arn[6];
            qualifier = arn.length > 7 ? arn[7] : null;
        } else {
            bare = arn[0];
            qualifier = arn.length > 1 ? arn[1] : null;
        }
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("Qualifier=")) {
                    qualifier = pair.substring("Qualifier=".length());
                }
            }
        }
        return bare.equals(functionName)
                ? "arn:aws:lambda:us-east-1:123456789012:function:" + functionName
                        + (qualifier == null ? "" : ":" + qualifier)
                : null;
    }

    private Reply invoke(byte[] payload, String invokedArn) throws IOException {
        invocations.incrementAndGet();
        peakRunning.accumulateAndGet(runningNow.incrementAndGet(), Math::max);
        try {
            return run(payload, invokedArn);
        } finally {
            runningNow.decrementAndGet();
        }
    }

    private Reply run(byte[] payload, String invokedArn) throws IOException {
        Invocation invocation = new Invocation(
                UUID.randomUUID().toString(),
                payload,
                System.currentTimeMillis() + functionTimeout.toMillis(),
                invokedArn);
        pending.add(invocation);
        long start = System.nanoTime();
        Answer answer;
        try {
            answer = invocation.answer.get(functionTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            timedOut.incrementAndGet();
            pending.remove(invocation);
            Environment stuck = invocation.environment;
            if (stuck != null) {
                stuck.replace(); // Lambda discards an environment whose invocation timed out
            }
            answer = new Answer(
                    ("{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":\"RequestId: " + invocation.id
                                    + " Error: Task timed out after " + functionTimeout.toMillis() / 1000.0
                                    + " seconds\"}")
                            .getBytes(StandardCharsets.UTF_8),
                    true);
        } catch (InterruptedException | ExecutionException e) {
            throw new IOException(e);
        }
        double durationMs = (System.nanoTime() - start) / 1e6;
        String report = "REPORT RequestId: " + invocation.id + "\tDuration: " + String.format("%.2f", durationMs)
                + " ms\tBilled Duration: " + (long) Math.ceil(durationMs) + " ms\tMemory Size: " + memoryMb
                + " MB\tMax Memory Used: 180 MB\t\n";
        Map<String, String> headers = new HashMap<>(Map.of(
                "X-Amz-Executed-Version",
                "$LATEST",
                "X-Amz-Log-Result",
                Base64.getEncoder().encodeToString(report.getBytes(StandardCharsets.UTF_8))));
        if (answer.functionError) {
            headers.put("X-Amz-Function-Error", "Unhandled");
        }
        return new Reply(headers, answer.body);
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        send(
                exchange,
                status,
                Map.of("x-amzn-ErrorType", type),
                ("{\"Type\":\"User\",\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    /** A JSON answer as the service sends one, with its request id. */
    static void send(HttpExchange exchange, int status, Map<String, String> headers, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach(exchange.getResponseHeaders()::set);
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        exchange.getResponseBody().write(body);
    }

    private record Answer(byte[] body, boolean functionError) {}

    private static final class Invocation {
        final String id;
        final byte[] payload;
        final long deadlineEpochMs;
        final String invokedArn;
        final CompletableFuture<Answer> answer = new CompletableFuture<>();
        volatile Environment environment;

        Invocation(String id, byte[] payload, long deadlineEpochMs, String invokedArn) {
            this.id = id;
            this.payload = payload;
            this.deadlineEpochMs = deadlineEpochMs;
            this.invokedArn = invokedArn;
        }
    }

    // ---- execution environments and their Runtime API ----

    private final class Environment {
        final HttpServer runtimeApi;
        final CountDownLatch ready = new CountDownLatch(1);
        final Path log;
        volatile Process process;

        Environment() throws IOException {
            runtimeApi = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            runtimeApi.setExecutor(threads);
            runtimeApi.createContext("/2018-06-01/runtime/", this::runtime);
            runtimeApi.start();
            log = Files.createTempFile("lambda-env", ".log");
            process = launch();
        }

        private Process launch() throws IOException {
            String cp = taskRoot + ":" + taskRoot.resolve("lib") + "/*:" + ricDir + "/*";
            ProcessBuilder builder = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-XX:+UseSerialGC",
                            "-cp",
                            cp,
                            // Left to itself, every client extracts its JNI library to the same
                            // /tmp/.libaws-lambda-jni.so, and one environment starting while another
                            // runs rewrites a library that is mapped (SIGBUS). One copy, loaded by all.
                            "-D" + JNI_PROPERTY + "=" + jniLibrary,
                            "com.amazonaws.services.lambda.runtime.api.client.AWSLambda",
                            "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest")
                    .directory(taskRoot.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            Map<String, String> env = builder.environment();
            env.keySet().removeIf(k -> k.startsWith("PACKETFS_") || k.startsWith("AWS_") || k.startsWith("QUARKUS_"));
            env.put(
                    "AWS_LAMBDA_RUNTIME_API",
                    "127.0.0.1:" + runtimeApi.getAddress().getPort());
            env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
            env.put("_HANDLER", "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest");
            env.put("AWS_LAMBDA_FUNCTION_NAME", functionName);
            env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
            env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(memoryMb));
            env.put("AWS_REGION", "us-east-1");
            env.put("AWS_DEFAULT_REGION", "us-east-1");
            env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + functionName);
            // As Lambda gives a function its role's credentials; and this service's Invoke API as
            // the AWS SDK's endpoint for Lambda, so a function that invokes one reaches it here.
            env.put("AWS_ACCESS_KEY_ID", accessKey);
            env.put("AWS_SECRET_ACCESS_KEY", secretKey);
            env.put("AWS_ENDPOINT_URL_LAMBDA", endpoint().toString());
            env.put("AWS_LAMBDA_LOG_STREAM_NAME", "local");
            env.putAll(functionEnv);
            return builder.start();
        }

        void replace() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
                process = launch();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        String output() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return e.toString();
            }
        }

        private void runtime(HttpExchange exchange) throws IOException {
            try (exchange) {
                String path = exchange.getRequestURI().getPath().substring("/2018-06-01/runtime/".length());
                if (path.equals("invocation/next")) {
                    ready.countDown();
                    Invocation next;
                    try {
                        next = pending.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    next.environment = this;
                    running.put(next.id, next);
                    send(
                            exchange,
                            200,
                            Map.of(
                                    "Lambda-Runtime-Aws-Request-Id",
                                    next.id,
                                    "Lambda-Runtime-Deadline-Ms",
                                    Long.toString(next.deadlineEpochMs),
                                    "Lambda-Runtime-Invoked-Function-Arn",
                                    next.invokedArn,
                                    "Lambda-Runtime-Trace-Id",
                                    "Root=1-00000000-000000000000000000000000;Sampled=0"),
                            next.payload);
                    return;
                }
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                if (path.startsWith("invocation/")) {
                    String[] p = path.split("/");
                    Invocation invocation = running.remove(p[1]);
                    if (invocation != null) {
                        invocation.answer.complete(new Answer(body, p[2].equals("error")));
                    }
                }
                send(exchange, 202, Map.of(), "{\"status\":\"OK\"}".getBytes(StandardCharsets.UTF_8));
            }
        }

        void close() {
            process.destroyForcibly();
            runtimeApi.stop(0);
            try {
                process.waitFor(10, TimeUnit.SECONDS);
                Files.deleteIfExists(log);
            } catch (IOException e) {
                // a temporary file; the OS cleans up /tmp
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final String JNI_PROPERTY =
            "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";

    private static Path extractJni(Path ricDir, Path target) throws IOException {
        String arch = System.getProperty("os.arch").equals("aarch64") ? "aarch_64" : "x86_64";
        try (Stream<Path> jars = Files.list(ricDir)) {
            Path ric = jars.filter(
                            p -> p.getFileName().toString().startsWith("aws-lambda-java-runtime-interface-client"))
                    .findFirst()
                    .orElseThrow(() -> new IOException("no runtime interface client in " + ricDir));
            try (ZipFile zip = new ZipFile(ric.toFile())) {
                ZipEntry entry = zip.getEntry("jni/libaws-lambda-jni.linux-" + arch + ".so");
                try (InputStream in = zip.getInputStream(entry)) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return target;
    }

    private static void unzip(Path zip, Path into) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                Path target = into.resolve(e.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException("zip entry outside the task root: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target);
                }
            }
        }
    }

    @Override
    public void close() {
        if (url != null) {
            url.close();
        }
        if (schedule != null) {
            schedule.shutdownNow();
        }
        synchronized (environments) {
            environments.forEach(Environment::close);
        }
        api.stop(0);
        threads.shutdownNow();
        deleteTree(taskRoot);
        try {
            Files.deleteIfExists(jniLibrary);
        } catch (IOException e) {
            // a temporary file; the OS cleans up /tmp
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder; the OS cleans up /tmp
        }
    }
}
