package dev.packetfs.protocol.fetch;

import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Program;
import dev.packetfs.kernel.ProgramException;
import dev.packetfs.kernel.WindowScan;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.HttpRequestRetryStrategy;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpHead;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Reads a program's window from its {@code data_url} with one HTTP Range request and streams it
 * into the kernel, never holding more than one buffer. Handles the three ways an origin answers a
 * range: 206 with the range, 200 with the whole object (skipped to the window and cut), 416 when
 * the window starts past the end (an empty window, as the window rule of docs/kernel.md says). A
 * program pinned to a version sends its precondition and has every answer checked against it
 * first ({@link VersionCheck}).
 *
 * <p>Every host, on every redirect hop, is resolved through the {@link AddressPolicy}, and the
 * connection goes to the very addresses that were checked, so a DNS answer cannot change between
 * the check and the connect.
 *
 * <p>Why about 500 lines in one class: a read is one sequence whose order is its security: the
 * address rules on each hop, the connection to the checked address, the redirect limit, the
 * precondition, then the status, the range and the version checked before the first byte reaches
 * the kernel. Kept together, that order can be read top to bottom against docs/security.md; the
 * parts that stand alone have their own classes ({@link AddressPolicy}, {@link VersionCheck},
 * {@link FetchLimits}, {@link FetchException}).
 */
public final class WindowFetcher implements AutoCloseable {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int BUFFER = 64 * 1024;
    /** Aborts exchanges at their deadlines: one daemon thread for every fetcher of the JVM. */
    private static final ScheduledExecutorService DEADLINES = deadlines();

    private final FetchLimits limits;
    private final PoolingHttpClientConnectionManager connections;
    private final CloseableHttpClient http;

    public WindowFetcher(FetchLimits limits, AddressPolicy policy) {
        this.limits = limits;
        this.connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(new CheckedDnsResolver(policy))
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(limits.connectTimeout()))
                        .setSocketTimeout(Timeout.of(limits.totalTimeout()))
                        // A connection idle this long is checked before reuse: origins
                        // close idle keep-alive connections whenever they like.
                        .setValidateAfterInactivity(TimeValue.ofSeconds(1))
                        .build())
                .setMaxConnTotal(256)
                .setMaxConnPerRoute(64)
                .build();
        this.http = HttpClients.custom()
                .setConnectionManager(connections)
                // Redirects are followed here, one checked hop at a time.
                .disableRedirectHandling()
                .setRetryStrategy(new StaleConnectionRetry())
                // A range of a compressed representation is not a range of the object.
                .disableContentCompression()
                // No proxy, not even from system properties: a proxy would resolve the host
                // itself, out of reach of the address policy.
                .setProxySelector(null)
                .build();
    }

    /** Fetches the program's window and runs the program over it, within the configured time. */
    public KernelResult fetchAndExecute(Program program) throws FetchException {
        return fetchAndExecute(program, limits.totalTimeout());
    }

    /** As {@link #fetchAndExecute(Program)}, within {@code timeout} or the configured limit if shorter. */
    public KernelResult fetchAndExecute(Program program, Duration timeout) throws FetchException {
        if (program.dataUrl() == null) {
            return Kernel.execute(program);
        }
        WindowScan scan = Kernel.scan(program);
        if (program.length() == 0) {
            return scan.result();
        }
        if (program.length() != Program.TO_END && program.length() > limits.maxWindowBytes()) {
            throw new FetchException(
                    FetchException.Kind.TOO_LARGE,
                    "window of " + program.length() + " bytes exceeds the limit of " + limits.maxWindowBytes());
        }
        long deadline = System.nanoTime() + Math.min(limits.totalTimeout().toNanos(), timeout.toNanos());
        URI uri = URI.create(program.dataUrl());
        for (int hop = 0; hop <= limits.maxRedirects(); hop++) {
            URI next = request(uri, program, scan, deadline);
            if (next == null) {
                return scan.result();
            }
            uri = next;
        }
        throw new FetchException(
                FetchException.Kind.HTTP_STATUS,
                "more than " + limits.maxRedirects() + " redirects from " + program.dataUrl());
    }

    /**
     * The object's size and whether its origin serves ranges, for a planner that cuts it into
     * windows: a {@code HEAD}, and when that does not tell both (no {@code Content-Length}, no
     * {@code Accept-Ranges: bytes}, or {@code HEAD} refused, as by URLs signed for GET only), a
     * one-byte {@code Range: bytes=0-0} request. The address policy applies on every hop, as for
     * {@link #fetchAndExecute}; no body is read past the one byte.
     */
    public ObjectSize probe(String url, Duration timeout) throws FetchException {
        long deadline = System.nanoTime() + Math.min(limits.totalTimeout().toNanos(), timeout.toNanos());
        ObjectSize head = probeWith(url, true, deadline);
        if (head != null && head.known() && head.ranges()) {
            return head;
        }
        ObjectSize ranged = probeWith(url, false, deadline);
        if (ranged == null) {
            throw new FetchException(FetchException.Kind.BAD_REPLY, url + " answered neither HEAD nor a range request");
        }
        long bytes = !ranged.known() && head != null ? head.bytes() : ranged.bytes();
        boolean validated = ranged.etag() != null || ranged.lastModified() != null;
        // The range answer is what windows will get; a HEAD's validators stand in when it has none.
        return validated || head == null
                ? new ObjectSize(bytes, ranged.ranges(), ranged.etag(), ranged.lastModified())
                : new ObjectSize(bytes, ranged.ranges(), head.etag(), head.lastModified());
    }

    /** One probe method, redirects followed; null when a HEAD was not answered usefully. */
    private ObjectSize probeWith(String url, boolean head, long deadline) throws FetchException {
        URI uri = URI.create(url);
        for (int hop = 0; hop <= limits.maxRedirects(); hop++) {
            HttpUriRequestBase request = head ? new HttpHead(uri) : new HttpGet(uri);
            if (!head) {
                request.setHeader("Range", "bytes=0-0");
            }
            request.setHeader("Accept-Encoding", "identity");
            request.setConfig(RequestConfig.custom()
                    .setResponseTimeout(remaining(deadline))
                    .build());
            ScheduledFuture<?> watchdog = DEADLINES.schedule(
                    () -> {
                        request.cancel();
                    },
                    Math.max(1, deadline - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
            try {
                ClassicHttpResponse response = http.executeOpen(null, request, null);
                // Nothing of a body is wanted (a 200 may be the whole object): the connection is
                // dropped, and the response closed without reading what is left of its body.
                request.cancel();
                closeDropped(response);
                int status = response.getCode();
                if (status >= 300 && status < 400 && response.getFirstHeader("Location") != null) {
                    uri = redirectTarget(
                            uri, response.getFirstHeader("Location").getValue());
                    continue;
                }
                return head ? headAnswer(response) : rangeAnswer(response, uri);
            } catch (AddressRefusedException e) {
                throw new FetchException(FetchException.Kind.ADDRESS_REFUSED, e.getMessage());
            } catch (IOException e) {
                if (e instanceof SocketTimeoutException || System.nanoTime() - deadline >= 0) {
                    throw new FetchException(FetchException.Kind.TIMEOUT, "timed out probing " + uri);
                }
                throw new FetchException(FetchException.Kind.IO, "could not probe " + uri + ": " + e.getMessage(), e);
            } finally {
                watchdog.cancel(false);
            }
        }
        throw new FetchException(
                FetchException.Kind.HTTP_STATUS, "more than " + limits.maxRedirects() + " redirects from " + url);
    }

    /**
     * Closes a response whose connection was dropped. Closing reads the rest of a body that has a
     * length, from a socket that is closed now: it fails unless the body had arrived with the
     * headers, which says nothing of the answer.
     */
    private static void closeDropped(ClassicHttpResponse response) {
        try {
            response.close();
        } catch (IOException dropped) {
            // expected: the connection was dropped before its body was read
        }
    }

    private static ObjectSize headAnswer(ClassicHttpResponse response) {
        if (response.getCode() < 200 || response.getCode() > 299) {
            return null; // HEAD refused or not supported: the range request decides
        }
        long length = longHeader(response, "Content-Length");
        Header ranges = response.getFirstHeader("Accept-Ranges");
        return new ObjectSize(
                length,
                ranges != null && ranges.getValue().toLowerCase(Locale.ROOT).contains("bytes"),
                headerValue(response, "ETag"),
                headerValue(response, "Last-Modified"));
    }

    private static String headerValue(HttpResponse response, String name) {
        Header h = response.getFirstHeader(name);
        return h == null ? null : h.getValue();
    }

    private static ObjectSize rangeAnswer(ClassicHttpResponse response, URI uri) throws FetchException {
        int status = response.getCode();
        switch (status) {
            case 206, 416 -> {
                Header header = response.getFirstHeader("Content-Range");
                Matcher m =
                        header == null ? null : TOTAL.matcher(header.getValue().trim());
                if (m == null || !m.matches()) {
                    throw new FetchException(
                            FetchException.Kind.BAD_REPLY,
                            uri + " answered " + status + " without a usable Content-Range");
                }
                try {
                    return new ObjectSize(
                            m.group(1).equals("*") ? -1 : Long.parseLong(m.group(1)),
                            true,
                            headerValue(response, "ETag"),
                            headerValue(response, "Last-Modified"));
                } catch (NumberFormatException e) {
                    throw new FetchException(
                            FetchException.Kind.BAD_REPLY,
                            uri + " answered a Content-Range out of range: " + abbreviate(header.getValue()));
                }
            }
            case 200 -> {
                return new ObjectSize(
                        longHeader(response, "Content-Length"),
                        false,
                        headerValue(response, "ETag"),
                        headerValue(response, "Last-Modified"));
            }
            default ->
                throw new FetchException(
                        FetchException.Kind.HTTP_STATUS,
                        uri + " answered HTTP " + status + " to a range request",
                        status,
                        null);
        }
    }

    /** The total of a Content-Range ({@code bytes 0-0/1234}, {@code bytes *}{@code /1234}). */
    private static final Pattern TOTAL = Pattern.compile("bytes (?:\\d+-\\d+|\\*)/(\\d+|\\*)");

    private static long longHeader(HttpResponse response, String name) {
        Header h = response.getFirstHeader(name);
        try {
            long v = h == null ? -1 : Long.parseLong(h.getValue().trim());
            return v < 0 ? -1 : v;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * One request; returns the redirect target, or null once the window has been scanned. A
     * watchdog aborts the exchange at the deadline, whatever it is waiting for (the connection, the
     * answer, the next byte of a trickling body). Whenever the window is not read to the body's
     * end (a failure, the deadline, an origin that ignored Range), the exchange is aborted rather
     * than closed: closing would first drain the rest of the body, from an origin that may be slow
     * or endless.
     */
    private URI request(URI uri, Program program, WindowScan scan, long deadline) throws FetchException {
        HttpGet get = new HttpGet(uri);
        long first = program.offset();
        String last = program.length() == Program.TO_END ? "" : Long.toString(first + program.length() - 1);
        get.setHeader("Range", "bytes=" + first + "-" + last);
        get.setHeader("Accept-Encoding", "identity");
        VersionCheck.preconditions(program.version()).forEach(get::setHeader);
        get.setConfig(
                RequestConfig.custom().setResponseTimeout(remaining(deadline)).build());
        ScheduledFuture<?> watchdog = DEADLINES.schedule(
                () -> {
                    get.cancel();
                },
                Math.max(1, deadline - System.nanoTime()),
                TimeUnit.NANOSECONDS);
        try (ClassicHttpResponse response = http.executeOpen(null, get, null)) {
            try {
                return answer(response, uri, program, scan, deadline, get);
            } catch (IOException | FetchException | RuntimeException e) {
                get.cancel();
                throw e;
            }
        } catch (AddressRefusedException e) {
            throw new FetchException(FetchException.Kind.ADDRESS_REFUSED, e.getMessage());
        } catch (IOException e) {
            if (e instanceof SocketTimeoutException || System.nanoTime() - deadline >= 0) {
                throw new FetchException(FetchException.Kind.TIMEOUT, "timed out reading " + uri);
            }
            throw new FetchException(FetchException.Kind.IO, "could not read " + uri + ": " + e.getMessage(), e);
        } finally {
            watchdog.cancel(false);
        }
    }

    /** Reads one answer: the next hop of a redirect, or the window scanned (null). */
    private URI answer(
            ClassicHttpResponse response, URI uri, Program program, WindowScan scan, long deadline, HttpGet get)
            throws IOException, FetchException {
        int status = response.getCode();
        if (status >= 300 && status < 400 && response.getFirstHeader("Location") != null) {
            get.cancel(); // the redirect's body is not wanted; do not drain it
            closeDropped(response);
            return redirectTarget(uri, response.getFirstHeader("Location").getValue());
        }
        VersionCheck.check(program.version(), status, name -> headerValue(response, name), uri.toString());
        Span span = switch (status) {
            case 206 -> Span.of(response.getFirstHeader("Content-Range"), program, uri);
            case 200 -> new Span(program.offset(), -1);
            case 416 -> null;
            default ->
                throw new FetchException(
                        FetchException.Kind.HTTP_STATUS,
                        uri + " answered HTTP " + status + " to a range request",
                        status,
                        null);
        };
        HttpEntity entity = response.getEntity();
        if (span != null && entity != null) {
            InputStream body = entity.getContent();
            if (!scanBody(body, span, program.length(), scan, deadline, uri)) {
                // The rest of the body (an origin that ignored Range) is not read: drop the
                // connection instead of draining a possibly huge object.
                get.cancel();
            }
            body.close();
        }
        return null;
    }

    /** Where a redirect leads: an http or https URL, or a typed refusal, never an internal error. */
    private static URI redirectTarget(URI from, String location) throws FetchException {
        URI next;
        try {
            next = from.resolve(location.trim());
        } catch (IllegalArgumentException e) {
            throw new FetchException(
                    FetchException.Kind.BAD_REPLY,
                    from + " redirects to a malformed Location: " + abbreviate(location));
        }
        try {
            Program.checkUrl(next.toString());
        } catch (ProgramException e) {
            throw new FetchException(
                    FetchException.Kind.BAD_REPLY,
                    from + " redirects to " + abbreviate(location) + ", which is not a URL a program may name: "
                            + e.getMessage());
        }
        return next;
    }

    /**
     * Where the window lies in the body: {@code skip} bytes come first; {@code bodyLength} is what a
     * 206 announced (-1 for a 200, whose body is the whole object).
     */
    private record Span(long skip, long bodyLength) {

        /** The span of a 206, from its Content-Range, which must hold the window asked for. */
        static Span of(Header header, Program program, URI uri) throws FetchException {
            Matcher m = header == null
                    ? null
                    : CONTENT_RANGE.matcher(header.getValue().trim());
            if (m == null || !m.matches()) {
                throw new FetchException(
                        FetchException.Kind.BAD_REPLY, uri + " answered 206 without a usable Content-Range");
            }
            long start;
            long end;
            long total;
            try {
                start = Long.parseLong(m.group(1));
                end = Long.parseLong(m.group(2));
                total = m.group(3).equals("*") ? Long.MAX_VALUE : Long.parseLong(m.group(3));
            } catch (NumberFormatException e) {
                throw new FetchException(
                        FetchException.Kind.BAD_REPLY,
                        uri + " answered 206 with a Content-Range out of range: " + abbreviate(header.getValue()));
            }
            if (start > end || end >= total) {
                throw new FetchException(
                        FetchException.Kind.BAD_REPLY,
                        uri + " answered 206 with an impossible Content-Range: " + abbreviate(header.getValue()));
            }
            if (start > program.offset()) {
                throw new FetchException(
                        FetchException.Kind.BAD_REPLY,
                        uri + " sent a range starting at " + start + ", after the requested " + program.offset());
            }
            // A range that stops short of both the window's end and the object's end would yield a
            // smaller window, reported as a success.
            long windowEnd =
                    program.length() == Program.TO_END ? Long.MAX_VALUE : program.offset() + program.length() - 1;
            if (end < Math.min(windowEnd, total - 1)) {
                throw new FetchException(
                        FetchException.Kind.BAD_REPLY,
                        uri + " sent " + abbreviate(header.getValue()) + ", short of the requested window");
            }
            return new Span(program.offset() - start, end - start + 1);
        }
    }

    /**
     * Feeds body bytes [skip, skip+length) to the scan and stops there.
     *
     * @return true when the body ended with the window (the connection can be reused)
     */
    private boolean scanBody(InputStream body, Span span, long length, WindowScan scan, long deadline, URI uri)
            throws IOException, FetchException {
        byte[] buffer = new byte[BUFFER];
        long toSkip = span.skip();
        long wanted = length;
        long read = 0;
        while (wanted > 0) {
            int n = body.read(buffer, 0, (int) Math.min(buffer.length, toSkip > 0 ? toSkip : wanted));
            if (n < 0) {
                if (span.bodyLength() >= 0 && read < span.bodyLength()) {
                    throw new FetchException(
                            FetchException.Kind.IO,
                            uri + " ended after " + read + " of the " + span.bodyLength()
                                    + " bytes its Content-Range announced");
                }
                return true;
            }
            read += n;
            if (System.nanoTime() - deadline > 0) {
                throw new FetchException(FetchException.Kind.TIMEOUT, "window from " + uri + " not read in time");
            }
            if (toSkip > 0) {
                toSkip -= n;
                continue;
            }
            if (scan.bytesProcessed() + n > limits.maxWindowBytes()) {
                throw new FetchException(
                        FetchException.Kind.TOO_LARGE,
                        "window from " + uri + " exceeds the limit of " + limits.maxWindowBytes() + " bytes");
            }
            scan.update(buffer, 0, n);
            wanted -= n;
        }
        return body.read() < 0;
    }

    private static Timeout remaining(long deadline) {
        return Timeout.of(
                Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    /**
     * Closes every pooled connection that is not in use. Called before a snapshot (Lambda
     * SnapStart, CRaC): a socket restored from a snapshot, perhaps many times over and hours
     * later, points at a peer that has long forgotten it.
     */
    public void closeIdleConnections() {
        connections.closeIdle(TimeValue.ZERO_MILLISECONDS);
        connections.closeExpired();
    }

    @Override
    public void close() throws IOException {
        http.close();
    }

    private static ScheduledExecutorService deadlines() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "packetfs-fetch-deadlines");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true); // a fetch that ends in time leaves no task behind
        return timer;
    }

    /** Resolves with the system resolver, then refuses the host unless every address is allowed. */
    private record CheckedDnsResolver(AddressPolicy policy) implements DnsResolver {
        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            InetAddress[] addresses = SystemDefaultDnsResolver.INSTANCE.resolve(host);
            InetAddress refused = policy.firstRefused(host, addresses);
            if (refused != null) {
                throw new AddressRefusedException(
                        AddressPolicy.describe(host, refused) + ", an address workers may not fetch from");
            }
            return addresses;
        }

        @Override
        public String resolveCanonicalHostname(String host) throws UnknownHostException {
            return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(host);
        }
    }

    /**
     * Retries a GET once when a keep-alive connection turns out to have been closed or reset by the
     * origin before it answered (RFC 9112 §9.3.1 allows retrying idempotent requests then), and
     * never for anything else: a timeout, a refused connection or address, or an error status is
     * the answer. Only the request phase is retried; once the body is being scanned an error is final.
     */
    private static final class StaleConnectionRetry implements HttpRequestRetryStrategy {
        @Override
        public boolean retryRequest(HttpRequest request, IOException exception, int execCount, HttpContext context) {
            boolean closedUnderUs = exception instanceof NoHttpResponseException
                    || (exception instanceof SocketException
                            && !(exception instanceof ConnectException)
                            && !(exception instanceof NoRouteToHostException));
            return execCount <= 1 && closedUnderUs && "GET".equals(request.getMethod());
        }

        @Override
        public boolean retryRequest(HttpResponse response, int execCount, HttpContext context) {
            return false;
        }

        @Override
        public TimeValue getRetryInterval(HttpResponse response, int execCount, HttpContext context) {
            return TimeValue.ZERO_MILLISECONDS;
        }
    }

    private static final class AddressRefusedException extends UnknownHostException {
        AddressRefusedException(String message) {
            super(message);
        }
    }
}
