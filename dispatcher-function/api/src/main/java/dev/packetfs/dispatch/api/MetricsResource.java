package dev.packetfs.dispatch.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.JobException;
import dev.packetfs.dispatch.ledger.SeriesRange;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * {@code GET /metrics}: per substrate, the books (jobs, successes, failures, p50/p95/p99 latency,
 * total cost, cost per GB) shared by every dispatcher on the queue, and this dispatcher's live
 * view; with {@code ?range=15m|1h|24h}, the series over that range. {@code GET /metrics/stream}
 * sends the same as server-sent events every two seconds, for the dashboard. Prometheus metrics
 * are at {@code /q/metrics}.
 */
@Path("/metrics")
public class MetricsResource {
    static final Duration STREAM_EVERY = Duration.ofSeconds(2);

    @Inject
    MetricsView view;

    @Inject
    LiveStreams streams;

    @Inject
    ApiConfig api;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public ObjectNode metrics(@QueryParam("range") String range) {
        return view.metrics(range(range));
    }

    @GET
    @Path("stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<ObjectNode> stream(@QueryParam("range") String range) {
        if (!api.liveStream()) {
            throw new NotFoundException("live updates are not served here; poll GET /metrics");
        }
        SeriesRange r = range(range);
        return streams.untilShutdown(Multi.createFrom()
                .ticks()
                .startingAfter(Duration.ofMillis(1))
                .every(STREAM_EVERY)
                .onOverflow()
                .drop()
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(tick -> view.metrics(r)));
    }

    private static SeriesRange range(String name) {
        if (name == null || name.isEmpty()) {
            return null;
        }
        SeriesRange r = SeriesRange.of(name);
        if (r == null) {
            throw new JobException("range", "must be 15m, 1h or 24h, got '" + name + "'");
        }
        return r;
    }
}
