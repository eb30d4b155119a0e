package dev.packetfs.dispatch.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.JobException;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.queue.DeadLetter;
import dev.packetfs.dispatch.queue.DeadLetters;
import dev.packetfs.dispatch.queue.QueueBooks;
import dev.packetfs.dispatch.queue.SubmitOutcome;
import dev.packetfs.dispatch.runtime.DrainStarter;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.regex.Pattern;

/**
 * The dead-letter stream: {@code GET /dead-letters} lists the newest, {@code POST
 * /dead-letters/{id}/requeue} queues one's job again with every attempt ahead of it.
 */
@Path("/dead-letters")
@Produces(MediaType.APPLICATION_JSON)
public class DeadLetterResource {
    static final int MAX_LIMIT = 1000;
    /** A stream entry id. */
    private static final Pattern ENTRY_ID = Pattern.compile("[0-9]{1,20}-[0-9]{1,20}");

    @Inject
    DeadLetters deadLetters;

    @Inject
    QueueBooks books;

    @Inject
    DrainStarter drains;

    @GET
    public ObjectNode list(@QueryParam("limit") @DefaultValue("100") int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new JobException("limit", "must be 1.." + MAX_LIMIT + ", got " + limit);
        }
        ObjectNode root = JobJson.MAPPER.createObjectNode();
        ArrayNode letters = root.putArray("dead_letters");
        for (DeadLetter d : deadLetters.newest(limit)) {
            ObjectNode n = letters.addObject();
            n.put("id", d.id());
            n.put("job_id", d.jobId());
            n.put("op", d.op());
            n.put("attempts", d.attempts());
            d.errors().forEach(n.putArray("errors")::add);
            n.put("at", d.at().toString());
        }
        root.put("count", books.depth().dead());
        return root;
    }

    /**
     * Requeues one. JSON only, as {@code POST /jobs}: a page on another origin can send a form
     * or an untyped body without asking first, but not JSON (docs/security.md#cross-site-pages).
     */
    @POST
    @Path("{id}/requeue")
    public Response requeue(@PathParam("id") String id, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) {
        if (!JobResource.isJson(contentType)) {
            throw new NotSupportedException(
                    "POST /dead-letters/{id}/requeue takes JSON: send Content-Type: application/json"
                            + (contentType == null ? "" : ", not " + contentType));
        }
        if (!ENTRY_ID.matcher(id).matches()) {
            throw new JobException(
                    "id",
                    "must be a dead letter's id, as GET /dead-letters lists it (<ms>-<n>), got '"
                            + (id.length() > 40 ? id.substring(0, 40) + "..." : id) + "'");
        }
        SubmitOutcome outcome = deadLetters.requeue(id);
        drains.jobsArrived();
        return Response.accepted(JobJson.MAPPER
                        .createObjectNode()
                        .put("job_id", outcome.jobId())
                        .put("queued", true))
                .build();
    }
}
