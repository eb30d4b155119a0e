package dev.packetfs.dispatch.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.JobException;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.queue.JobRequeueException;
import dev.packetfs.dispatch.queue.QueueFullException;
import dev.packetfs.dispatch.queue.QueueUnavailableException;
import dev.packetfs.secrets.SecretUnavailableException;
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
    /** And before trying again while the queue's store is unreachable: about one reconnection attempt. */
    static final String RETRY_AFTER_QUEUE_DOWN_SECONDS = "1";

    public static Response response(Response.Status status, String field, String message) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON)
                .entity(body(field, message))
                .build();
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
                .header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_QUEUE_FULL_SECONDS)
                .build();
    }

    /** A dead letter that is gone (404) or cannot run again (409). */
    @ServerExceptionMapper
    public Response notRequeued(JobRequeueException e) {
        return response(e.missing() ? Response.Status.NOT_FOUND : Response.Status.CONFLICT, "id", e.getMessage());
    }

    @ServerExceptionMapper
    public Response queueDown(QueueUnavailableException e) {
        LOG.warnf("queue unavailable: %s", e.toString());
        return Response.fromResponse(response(
                        Response.Status.SERVICE_UNAVAILABLE, null, "the queue is unavailable; try again shortly"))
                .header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_QUEUE_DOWN_SECONDS)
                .build();
    }

    /**
     * A secret the dispatcher needs (the Redis URL, on Lambda) cannot be read: the operator's
     * problem, told in the log with the secret's ARN and the fix; the caller learns no more than that.
     */
    @ServerExceptionMapper
    public Response secretUnavailable(SecretUnavailableException e) {
        LOG.errorf("a secret is unavailable: %s", e.getMessage());
        return response(Response.Status.SERVICE_UNAVAILABLE, null, SECRET_UNAVAILABLE);
    }

    /**
     * Anything else. A failure while building what a resource needs (the queue, when its Redis URL
     * secret holds only the placeholder) reaches here wrapped; its cause decides the answer.
     * Otherwise a 500 whose body says no more than that, the details in the log.
     */
    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof SecretUnavailableException secret) {
                return secretUnavailable(secret);
            }
            if (cause instanceof QueueUnavailableException queue) {
                return queueDown(queue);
            }
        }
        LOG.error("unexpected failure", e);
        return response(
                Response.Status.INTERNAL_SERVER_ERROR, null, "internal error; the dispatcher's log has the details");
    }

    /** What a caller is told when a secret cannot be read. */
    static final String SECRET_UNAVAILABLE =
            "the dispatcher cannot read a secret it needs; its log says which and how to fix it";

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        Response.Status status = Response.Status.fromStatusCode(e.getResponse().getStatus());
        return response(
                status == null ? Response.Status.BAD_REQUEST : status,
                null,
                e.getMessage() == null ? "request refused" : e.getMessage());
    }
}
