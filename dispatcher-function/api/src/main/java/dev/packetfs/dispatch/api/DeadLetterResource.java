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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirementsSet;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The dead-letter stream: {@code GET /dead-letters} lists the newest, {@code POST
 * /dead-letters/{id}/requeue} queues one's job again with every attempt ahead of it.
 */
@Path("/dead-letters")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "dead letters")
@SecurityRequirementsSet(@SecurityRequirement(name = OpenApiNames.API_KEY))
@SecurityRequirementsSet(@SecurityRequirement(name = OpenApiNames.SIGV4))
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "503", ref = "Unavailable")
@APIResponse(responseCode = "403", ref = "Forbidden")
@APIResponse(responseCode = "500", ref = "InternalError")
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
    @Operation(operationId = "listDeadLetters", summary = "The newest dead letters, and how many there are")
    @APIResponse(
            responseCode = "200",
            description = "the newest first",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "DeadLetters")))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    public ObjectNode list(
            @Parameter(description = "how many, newest first", schema = @Schema(minimum = "1", maximum = "1000"))
                    @QueryParam("limit")
                    @DefaultValue("100")
                    int limit) {
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
    @Operation(
            operationId = "requeueDeadLetter",
            summary = "Queue a dead letter's job again, with every attempt ahead of it",
            description = "Removes the dead letter and the job's failed result.")
    @RequestBody(
            description = "any JSON, such as {}",
            content = {
                @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT)),
                @Content(mediaType = MediaType.WILDCARD, schema = @Schema(ref = "NotJson"))
            })
    @APIResponse(
            responseCode = "202",
            description = "queued again",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "Requeued")))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict")
    @APIResponse(responseCode = "415", ref = "NotJson")
    public Response requeue(
            @Parameter(
                            description = "the dead letter's id, as listed",
                            schema = @Schema(pattern = "^[0-9]{1,20}-[0-9]{1,20}$"))
                    @PathParam("id")
                    String id,
            @Parameter(hidden = true) @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) {
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
