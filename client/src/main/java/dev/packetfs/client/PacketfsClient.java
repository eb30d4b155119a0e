package dev.packetfs.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * A client of the dispatcher's HTTP API (docs/http-api.md), on {@code pfs serve} or the Lambda
 * function URL: submit jobs, read their state and results, wait for them, follow a fan-out job's
 * progress, cancel, and read the metrics and dead letters.
 *
 * <p>Requests to a function URL with auth type {@code AWS_IAM} are signed with SigV4
 * ({@link Signing}); otherwise they carry the API key, when one is given. Every error the API
 * answers is a {@link PacketfsException} of the status's own type; no answer at all is a
 * {@link DispatcherUnreachableException}. Blocking calls throw {@link InterruptedException} when
 * their thread is interrupted. A client is safe for concurrent use; close it to release its
 * credentials provider.
 *
 * <pre>{@code
 * try (PacketfsClient client = PacketfsClient.builder("http://127.0.0.1:8080").build()) {
 *     Submission s = client.submit(job);
 *     JobResult r = client.await(s.jobId(), Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class PacketfsClient implements AutoCloseable {
    /** Polling starts this soon and doubles up to {@link #MAX_PAUSE}: a quick job is seen at once, a long one costs 4 requests a second. */
    static final Duration FIRST_PAUSE = Duration.ofMillis(20);

    static final Duration MAX_PAUSE = Duration.ofMillis(250);
    /** How {@link Builder#build()} begins its message when the server is not an http(s) URL. */
    public static final String NOT_A_URL = "not an http(s) URL";

    private final DispatcherHttp http;
    private final boolean signed;

    private PacketfsClient(DispatcherHttp http, boolean signed) {
        this.http = http;
        this.signed = signed;
    }

    /** A client of the dispatcher at {@code server}, such as {@code http://127.0.0.1:8080} or {@code https://<url-id>.lambda-url.<region>.on.aws}. */
    public static Builder builder(String server) {
        return new Builder(server);
    }

    /** The server as given. */
    public URI server() {
        return http.server();
    }

    /** True when this client signs its requests with SigV4. */
    public boolean signsRequests() {
        return signed;
    }

    // -- jobs ----------------------------------------------------------------------------------

    /** {@code POST /jobs} with one job (docs/jobs.md#job-json). */
    public Submission submit(JsonNode job) throws InterruptedException {
        return Submission.of(expect(send(Route.SUBMIT, Route.SUBMIT.path(), bytes(job)), Route.SUBMIT));
    }

    /** {@code POST /jobs} with a batch of 1 to 1,000 jobs, validated whole: one bad job refuses them all. */
    public List<Submission> submitAll(List<? extends JsonNode> jobs) throws InterruptedException {
        JsonNode answer = expect(send(Route.SUBMIT, Route.SUBMIT.path(), bytes(jobs)), Route.SUBMIT);
        List<Submission> out = new ArrayList<>(answer.size());
        answer.forEach(a -> out.add(Submission.of(a)));
        return out;
    }

    /** {@code GET /jobs/{id}}: the job's state, and a fan-out job's progress. */
    public JobStatus status(String jobId) throws InterruptedException {
        return JobStatus.of(expect(send(Route.JOB, Route.JOB.path(jobId), null), Route.JOB));
    }

    /** {@code GET /results/{id}}, at once: the result when the job finished, else its state ({@link JobResult#finished()}). */
    public JobResult result(String jobId) throws InterruptedException {
        return result(send(Route.RESULT, Route.RESULT.path(jobId), null));
    }

    /** {@link #result} without blocking. */
    public CompletableFuture<JobResult> resultAsync(String jobId) {
        return http.sendAsync(Route.RESULT.method, Route.RESULT.path(jobId), null)
                .thenApply(PacketfsClient::result);
    }

    /** Waits, without limit, for the job's result. */
    public JobResult await(String jobId) throws InterruptedException {
        return awaitUntil(jobId, null);
    }

    /**
     * Waits for the job's result, polling {@code GET /results/{id}} (every 20 ms at first, then
     * less often, up to every 250 ms).
     *
     * @throws TimeoutException when it has not finished within {@code timeout}; the job runs on
     */
    public JobResult await(String jobId, Duration timeout) throws InterruptedException, TimeoutException {
        JobResult r = awaitUntil(jobId, deadline(timeout));
        if (r == null) {
            throw new TimeoutException("job " + jobId + " has not finished within " + timeout + "; it runs on");
        }
        return r;
    }

    /** {@link #await(String, Duration)} without blocking; the future fails with a {@link TimeoutException} after {@code timeout}, and stops polling when cancelled. */
    public CompletableFuture<JobResult> awaitAsync(String jobId, Duration timeout) {
        CompletableFuture<JobResult> done = new CompletableFuture<>();
        pollAsync(jobId, deadline(timeout), timeout, FIRST_PAUSE, done);
        return done;
    }

    /**
     * Follows a job to its end: polls {@code GET /jobs/{id}} (with the same backoff as
     * {@link #await(String, Duration)}), calls {@code onChange} with each state that differs from
     * the last (a fan-out job's windows done, bytes, cost: {@link JobStatus#fanOut()}), the
     * finished one included, then returns the result.
     */
    public JobResult follow(String jobId, Consumer<JobStatus> onChange) throws InterruptedException {
        return followUntil(jobId, null, onChange).orElseThrow();
    }

    /** {@link #follow(String, Consumer)} for at most {@code timeout}; then a {@link TimeoutException}, and the job runs on. */
    public JobResult follow(String jobId, Duration timeout, Consumer<JobStatus> onChange)
            throws InterruptedException, TimeoutException {
        Optional<JobResult> r = followUntil(jobId, deadline(timeout), onChange);
        if (r.isEmpty()) {
            throw new TimeoutException("job " + jobId + " has not finished within " + timeout + "; it runs on");
        }
        return r.get();
    }

    /** {@code DELETE /jobs/{id}}: cancels what has not started (docs/jobs.md#cancelling); 409 for a job running or finished. */
    public Cancellation cancel(String jobId) throws InterruptedException {
        return Cancellation.of(expect(send(Route.CANCEL, Route.CANCEL.path(jobId), null), Route.CANCEL));
    }

    // -- the books -----------------------------------------------------------------------------

    /** {@code GET /metrics}: per substrate, the shared books and this dispatcher's live view; the queue; fan-outs in progress. */
    public JsonNode metrics() throws InterruptedException {
        return expect(send(Route.METRICS, Route.METRICS.path(), null), Route.METRICS);
    }

    /** {@code GET /metrics?range=}: the same and the series over {@code 15m}, {@code 1h} or {@code 24h}. */
    public JsonNode metrics(String range) throws InterruptedException {
        return expect(send(Route.METRICS, Route.METRICS.withQuery(range), null), Route.METRICS);
    }

    /** {@code GET /health}: {@code {"status": "UP" | "DEGRADED", …}}; a {@link ServiceUnavailableException} when the queue is down. */
    public JsonNode health() throws InterruptedException {
        return expect(send(Route.HEALTH, Route.HEALTH.path(), null), Route.HEALTH);
    }

    /** {@code GET /dead-letters}: the 100 newest, {@code {"dead_letters": [...], "count"}}. */
    public JsonNode deadLetters() throws InterruptedException {
        return expect(send(Route.DEAD_LETTERS, Route.DEAD_LETTERS.path(), null), Route.DEAD_LETTERS);
    }

    /** {@code GET /dead-letters?limit=}, 1 to 1,000. */
    public JsonNode deadLetters(int limit) throws InterruptedException {
        return expect(
                send(Route.DEAD_LETTERS, Route.DEAD_LETTERS.withQuery(Integer.toString(limit)), null),
                Route.DEAD_LETTERS);
    }

    /** {@code POST /dead-letters/{id}/requeue}: queues the dead letter's job again, with every attempt ahead of it. */
    public Submission requeue(String deadLetterId) throws InterruptedException {
        byte[] empty = {'{', '}'};
        return Submission.of(expect(send(Route.REQUEUE, Route.REQUEUE.path(deadLetterId), empty), Route.REQUEUE));
    }

    /**
     * Sends any request to the dispatcher, authenticated as every call of this client, and gives
     * the answer back as it came: no typed errors ({@link PacketfsException#from} makes them).
     * For routes this class does not cover, and for proxies ({@code pfs dashboard}) that stream
     * answers such as {@code /metrics/stream} with {@link HttpResponse.BodyHandlers#ofInputStream()}.
     * The request timeout covers the answer's headers, not its body.
     *
     * @param pathAndQuery from the first {@code /}, as sent (percent-encoded)
     * @param headers to send; {@code Authorization}, {@code Host} and the connection's own headers are left out
     * @param body null for none
     */
    public <T> HttpResponse<T> exchange(
            String method,
            String pathAndQuery,
            Map<String, String> headers,
            byte[] body,
            HttpResponse.BodyHandler<T> handler)
            throws InterruptedException {
        return http.exchange(method, pathAndQuery, headers, body, handler);
    }

    @Override
    public void close() {
        http.close();
    }

    // -- waiting -------------------------------------------------------------------------------

    /** The result, or null past the deadline (a {@link System#nanoTime()}; null for none). */
    private JobResult awaitUntil(String jobId, Long deadlineNanos) throws InterruptedException {
        Duration pause = FIRST_PAUSE;
        while (true) {
            JobResult r = result(jobId);
            if (r.finished()) {
                return r;
            }
            if (past(deadlineNanos)) {
                return null;
            }
            TimeUnit.MILLISECONDS.sleep(pause.toMillis());
            pause = next(pause);
        }
    }

    private void pollAsync(
            String jobId, Long deadlineNanos, Duration timeout, Duration pause, CompletableFuture<JobResult> done) {
        if (done.isDone()) {
            return; // cancelled by the caller
        }
        resultAsync(jobId).whenComplete((r, failure) -> {
            if (failure != null) {
                done.completeExceptionally(
                        failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure);
            } else if (r.finished()) {
                done.complete(r);
            } else if (past(deadlineNanos)) {
                done.completeExceptionally(
                        new TimeoutException("job " + jobId + " has not finished within " + timeout + "; it runs on"));
            } else {
                CompletableFuture.delayedExecutor(pause.toMillis(), TimeUnit.MILLISECONDS)
                        .execute(() -> pollAsync(jobId, deadlineNanos, timeout, next(pause), done));
            }
        });
    }

    /** The result, or empty past the deadline. A job gone between polls (404) is asked for its result, which tells. */
    private Optional<JobResult> followUntil(String jobId, Long deadlineNanos, Consumer<JobStatus> onChange)
            throws InterruptedException {
        Duration pause = FIRST_PAUSE;
        JsonNode last = null;
        while (true) {
            DispatcherHttp.Answer answer = send(Route.JOB, Route.JOB.path(jobId), null);
            JobStatus status = answer.status() == 404 ? null : JobStatus.of(expect(answer, Route.JOB));
            if (status != null && !status.json().equals(last)) {
                last = status.json();
                onChange.accept(status);
            }
            if (status == null || status.finished()) {
                JobResult r = result(jobId);
                if (r.finished()) {
                    return Optional.of(r);
                }
            }
            if (past(deadlineNanos)) {
                return Optional.empty();
            }
            TimeUnit.MILLISECONDS.sleep(pause.toMillis());
            pause = next(pause);
        }
    }

    private static Duration next(Duration pause) {
        Duration doubled = pause.multipliedBy(2);
        return doubled.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : doubled;
    }

    private static Long deadline(Duration timeout) {
        Duration year = Duration.ofDays(365); // nanoTime differences overflow past 292 years
        Duration bounded = timeout.isNegative() ? Duration.ZERO : timeout.compareTo(year) > 0 ? year : timeout;
        return System.nanoTime() + bounded.toNanos();
    }

    private static boolean past(Long deadlineNanos) {
        return deadlineNanos != null && System.nanoTime() - deadlineNanos > 0;
    }

    // -- answers -------------------------------------------------------------------------------

    private DispatcherHttp.Answer send(Route route, String path, byte[] json) throws InterruptedException {
        return http.send(route.method, path, json);
    }

    private static JobResult result(DispatcherHttp.Answer answer) {
        if (answer.status() == 202) {
            return JobResult.ofPending(Json.read(202, answer.body()), answer.body());
        }
        return JobResult.ofResult(expect(answer, Route.RESULT), answer.body());
    }

    /** The answer's JSON when its status is one the route documents for success; else its typed error. */
    private static JsonNode expect(DispatcherHttp.Answer answer, Route route) {
        if (!route.successes.contains(answer.status())) {
            throw PacketfsException.from(answer.status(), answer.headers(), answer.body());
        }
        return Json.read(answer.status(), answer.body());
    }

    private static byte[] bytes(Object json) {
        return Json.write(json).getBytes(StandardCharsets.UTF_8);
    }

    /** How a client reaches its dispatcher. */
    public static final class Builder {
        private final String server;
        private String apiKey;
        private Signing signing = Signing.AUTO;
        private String region;
        private AwsCredentialsProvider credentials;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(30);

        private Builder(String server) {
            this.server = Objects.requireNonNull(server, "server");
        }

        /** The dispatcher's API key ({@code PACKETFS_API_KEY}), sent as {@code Authorization: Bearer <key>} by requests that are not signed. */
        public Builder apiKey(String key) {
            this.apiKey = key == null || key.isEmpty() ? null : key;
            return this;
        }

        /** When requests are signed with SigV4; {@link Signing#AUTO} by default. */
        public Builder signing(Signing signing) {
            this.signing = Objects.requireNonNull(signing, "signing");
            return this;
        }

        /** The region to sign for; by default the function URL's, else {@code aws.region} or {@code AWS_REGION}. */
        public Builder awsRegion(String region) {
            this.region = region;
            return this;
        }

        /** The credentials to sign with; by default the SDK's default chain. */
        public Builder awsCredentials(AwsCredentialsProvider credentials) {
            this.credentials = credentials;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** How long an answer's headers may take (30 s by default). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** @throws IllegalArgumentException when the server is not an http(s) URL, or requests are to be signed and no region is known */
        public PacketfsClient build() {
            URI uri = uri(server);
            String fallback = System.getProperty("aws.region", System.getenv("AWS_REGION"));
            Optional<String> signingRegion = SigningRegion.choose(uri, signing, region, fallback);
            Authentication authentication = signingRegion.isPresent()
                    ? new AwsSigV4(signingRegion.get(), credentials)
                    : apiKey != null ? Authentication.bearer(apiKey) : Authentication.NONE;
            return new PacketfsClient(
                    new DispatcherHttp(uri, authentication, connectTimeout, requestTimeout), signingRegion.isPresent());
        }

        private static URI uri(String server) {
            try {
                URI uri = new URI(server);
                String scheme = uri.getScheme();
                if (scheme == null
                        || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                        || uri.getHost() == null
                        || uri.getRawQuery() != null
                        || uri.getRawFragment() != null) {
                    throw new IllegalArgumentException(NOT_A_URL + ": " + server);
                }
                return uri;
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(NOT_A_URL + ": " + server + " (" + e.getReason() + ")", e);
            }
        }
    }
}
