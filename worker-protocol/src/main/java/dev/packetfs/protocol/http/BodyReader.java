package dev.packetfs.protocol.http;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;

/**
 * Reads a request's body on the event loop, within a size and a time limit, and only then passes
 * the request on to the REST layer, which takes the body already read
 * ({@link RoutingContext#setBody}) instead of reading the connection.
 *
 * <p>Left to itself, Quarkus REST reads the body of a blocking method on the worker thread that
 * will run it, and that thread waits for every byte: 200 clients trickling bodies held every
 * worker thread, and {@code /health} and real work waited behind them (the Fly.io worker's
 * {@code /compute}, the dispatcher's {@code POST /jobs}).
 * {@code quarkus.http.read-timeout} does not help, since it bounds one read, not the whole body.
 * Here a slow body costs a buffer and a timer, and is cut off at {@code body-timeout}.
 */
public final class BodyReader {

    /** Answers a body that is too large (413) or too slow (408), with a message saying so. */
    public interface Refusal {
        void send(RoutingContext rc, int status, String message);
    }

    private final long maxBytes;
    private final Duration timeout;
    private final Refusal refusal;

    public BodyReader(long maxBytes, Duration timeout, Refusal refusal) {
        this.maxBytes = maxBytes;
        this.timeout = timeout;
        this.refusal = refusal;
    }

    /** Reads the body, then hands the request on ({@code rc.next()}), or answers with the refusal. */
    public void readThenNext(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        // The REST layer pauses every request it is handed, which an HTTP/2 request refuses once its
        // body has been read; HTTP/2 is therefore off (quarkus.http.http2=false), and would pass unread.
        if (request.version() == HttpVersion.HTTP_2 || request.isEnded() || !declaresBody(request)) {
            rc.next();
            return;
        }
        new Reading(rc).start();
    }

    /**
     * HTTP/1.1 announces a body with Content-Length or Transfer-Encoding; without either there is
     * none, and a WebSocket handshake must stay unread.
     */
    private static boolean declaresBody(HttpServerRequest request) {
        if (request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
            return true;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        return length != null && !length.strip().equals("0");
    }

    /** One body being read; every callback runs on the connection's event loop. */
    private final class Reading {
        private final RoutingContext rc;
        private final Buffer body = Buffer.buffer();
        private boolean settled;
        private long timer;

        Reading(RoutingContext rc) {
            this.rc = rc;
        }

        void start() {
            HttpServerRequest request = rc.request();
            timer = rc.vertx()
                    .setTimer(
                            Math.max(1, timeout.toMillis()),
                            id -> refuse(408, "the request body did not arrive within " + timeout.toMillis() + " ms"));
            request.exceptionHandler(e -> settle());
            request.handler(chunk -> {
                if (settled) {
                    return;
                }
                if (body.length() + (long) chunk.length() > maxBytes) {
                    refuse(413, "the request body exceeds " + maxBytes + " bytes");
                    return;
                }
                body.appendBuffer(chunk);
            });
            request.endHandler(v -> {
                if (settle()) {
                    rc.setBody(body);
                    rc.next();
                }
            });
            // Quarkus leaves 100-continue to whoever reads the body; the client waits for it.
            if (request.version() == HttpVersion.HTTP_1_1 && "100-continue".equalsIgnoreCase(expectation(request))) {
                rc.response().writeContinue();
            }
            request.resume();
        }

        private void refuse(int status, String message) {
            if (settle()) {
                refusal.send(rc, status, message);
            }
        }

        /** True the first time only: the body ends, fails, overflows or times out exactly once. */
        private boolean settle() {
            if (settled) {
                return false;
            }
            settled = true;
            rc.vertx().cancelTimer(timer);
            return true;
        }
    }

    private static String expectation(HttpServerRequest request) {
        String expect = request.getHeader(HttpHeaders.EXPECT);
        return expect == null ? "" : expect.strip();
    }

    /**
     * Answers now with {@code status} and a JSON body. A request body not read to its end is not
     * drained: the HTTP/1.1 connection is closed once the answer is written, so a client cannot
     * keep it open by trickling the rest.
     */
    public static void answerNow(RoutingContext rc, int status, String json) {
        HttpServerResponse response = rc.response();
        if (response.ended()) {
            return;
        }
        boolean unread = !rc.request().isEnded() && rc.request().version() != HttpVersion.HTTP_2;
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        if (unread) {
            response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        }
        Future<Void> written = response.end(json);
        if (unread) {
            written.onComplete(done -> rc.request().connection().close());
        }
    }
}
