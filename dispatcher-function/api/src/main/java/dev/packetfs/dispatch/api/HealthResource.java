package dev.packetfs.dispatch.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.queue.JobQueue;
import dev.packetfs.dispatch.queue.QueueBooks;
import dev.packetfs.dispatch.select.SubstrateSelector;
import dev.packetfs.dispatch.select.SubstrateState;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirementsSet;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /health}: 200 when the queue answers, 503 when it does not; with each substrate's
 * last health report. Open without an API key, for load balancers.
 */
@Path("/health")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "operations")
@APIResponse(responseCode = "403", ref = "Forbidden")
@APIResponse(responseCode = "500", ref = "InternalError")
public class HealthResource {

    @Inject
    JobQueue queue;

    @Inject
    QueueBooks books;

    @Inject
    SubstrateSelector selector;

    @GET
    @Operation(
            operationId = "getHealth",
            summary = "The queue's and each substrate's health",
            description = "Open without an API key.")
    @SecurityRequirementsSet
    @APIResponse(
            responseCode = "200",
            description = "the queue answers: UP, or DEGRADED when no substrate is healthy",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "Health")))
    @APIResponse(
            responseCode = "503",
            description = "the queue does not answer: DOWN",
            headers = @Header(name = "Retry-After", ref = "RetryAfter"),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "Health")))
    public Response health() {
        ObjectNode root = JobJson.MAPPER.createObjectNode();
        root.put("queue", queue.backend());
        boolean queueUp;
        try {
            books.depth();
            queueUp = true;
        } catch (RuntimeException e) {
            queueUp = false;
            root.put("queue_error", e.getMessage());
        }
        ObjectNode substrates = root.putObject("substrates");
        boolean anyUp = false;
        for (SubstrateState s : selector.states()) {
            ObjectNode node = substrates.putObject(s.name());
            node.put("healthy", s.health().healthy());
            node.put("detail", s.health().detail());
            node.put("breaker", s.breakerState().name().toLowerCase());
            anyUp |= s.health().healthy();
        }
        String status = !queueUp ? "DOWN" : anyUp ? "UP" : "DEGRADED";
        root.put("status", status);
        Response.ResponseBuilder answer = Response.status(queueUp ? 200 : 503).entity(root);
        return queueUp
                ? answer.build()
                : answer.header(HttpHeaders.RETRY_AFTER, ApiErrors.RETRY_AFTER_QUEUE_DOWN_SECONDS)
                        .build();
    }
}
