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

/**
 * {@code GET /health}: 200 when the queue answers, 503 when it does not; with each substrate's
 * last health report. Open without an API key, for load balancers.
 */
@Path("/health")
@Produces(MediaType.APPLICATION_JSON)
public class HealthResource {

    @Inject
    JobQueue queue;

    @Inject
    QueueBooks books;

    @Inject
    SubstrateSelector selector;

    @GET
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
