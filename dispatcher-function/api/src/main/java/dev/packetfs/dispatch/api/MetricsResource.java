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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirementsSet;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * {@code GET /metrics}: per substrate, the books (jobs, successes, failures, p50/p95/p99 latency,
 * total cost, cost per GB) shared by every dispatcher on the queue, and this dispatcher's live
 * view; with {@code ?range=15m|1h|24h}, the series over that range. {@code GET /metrics/stream}
 * sends the same as server-sent events every two seconds, for the dashboard. Prometheus metrics
 * are at {@code /q/metrics}.
 */
@Path("/metrics")
@Tag(name = "books")
@SecurityRequirementsSet(@SecurityRequirement(name = OpenApiNames.API_KEY))
@SecurityRequirementsSet(@SecurityRequirement(name = OpenApiNames.SIGV4))
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "403", ref = "Forbidden")
@APIResponse(responseCode = "500", ref = "InternalError")
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
    @Operation(
            operationId = "getMetrics",
            summary = "The books per substrate, the queue, fan-out jobs in progress; with range, the series")
    @APIResponse(
            responseCode = "200",
            description = "the books",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "Metrics")))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "503", ref = "Unavailable")
    public ObjectNode metrics(@Parameter(schema = @Schema(ref = "Range")) @QueryParam("range") String range) {
        return view.metrics(range(range));
    }

    @GET
    @Path("stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(
            operationId = "streamMetrics",
            summary = "The books every 2 s as server-sent events",
            description = "Each event's data is the body of GET /metrics. Not served on the function URL (404).")
    @APIResponse(
            responseCode = "200",
            description = "an event stream, until the server stops",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(
            responseCode = "404",
            description = "not served here (the function URL)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "Error")))
    public Multi<ObjectNode> stream(@Parameter(schema = @Schema(ref = "Range")) @QueryParam("range") String range) {
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
