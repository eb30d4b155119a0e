package dev.packetfs.dispatch.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.JobException;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.queue.QueueFullException;
import dev.packetfs.dispatch.queue.QueueUnavailableException;
import dev.packetfs.protocol.http.BodyReader;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error the API answers, mapped to a status code in one place. Bodies are
 * {@code {"error": "<what is wrong>", "field": "<which field>"}}.
 */
public class ApiErrors {
    private static final Logger LOG = Logger.getLogger(ApiErrors.class);
    /** Seconds a client is asked to wait (Retry-After) before submitting to a full queue again. */
    static final String RETRY_AFTER_QUEUE_FULL_SECONDS = "5";

    public static Response response(Response.Status status, String field, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body(field, message)).build();
    }

    /** The same body as text, for answers given before the REST layer (ApiKeyFilter, BodyReader). */
    static String json(String field, String message) {
        return body(field, message).toString();
    }

    private static ObjectNode body(String field, String message) {
        ObjectNode body = JobJson.MAPPER.createObjectNode();
        body.put("error", message);
        if (field != null) {
            body.put("field", field);
        }
        return body;
    }

    @ServerExceptionMapper
    public Response badJob(JobException e) {
        return response(Response.Status.BAD_REQUEST, e.field(), e.getMessage());
    }

    /** The queue is at its quota: nothing of this submission was queued; the caller may try again. */
    @ServerExceptionMapper
    public Response queueFull(QueueFullException e) {
        return Response.fromResponse(response(Response.Status.TOO_MANY_REQUESTS, null, e.getMessage()))
                .header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_QUEUE_FULL_SECONDS).build();
    }

    @ServerExceptionMapper
    public Response queueDown(QueueUnavailableException e) {
        LOG.warnf("queue unavailable: %s", e.toString());
        return response(Response.Status.SERVICE_UNAVAILABLE, null, "the queue is unavailable; try again shortly");
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        Response.Status status = Response.Status.fromStatusCode(e.getResponse().getStatus());
        return response(status == null ? Response.Status.BAD_REQUEST : status, null,
                e.getMessage() == null ? "request refused" : e.getMessage());
    }
}
