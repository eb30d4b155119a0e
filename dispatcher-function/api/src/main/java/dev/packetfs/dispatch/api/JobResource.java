package dev.packetfs.dispatch.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.job.ComputeJob;
import dev.packetfs.dispatch.job.JobException;
import dev.packetfs.dispatch.job.JobIds;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.dispatch.job.JobResult;
import dev.packetfs.dispatch.queue.CancelOutcome;
import dev.packetfs.dispatch.queue.JobIntake;
import dev.packetfs.dispatch.queue.JobRecords;
import dev.packetfs.dispatch.queue.JobStatus;
import dev.packetfs.dispatch.queue.SubmitOutcome;
import dev.packetfs.dispatch.runtime.DrainStarter;
import dev.packetfs.dispatch.runtime.PacketfsConfig;
import dev.packetfs.dispatch.select.SubstrateSelector;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirementsSet;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Jobs in, results out. A job (or a JSON array of up to {@value #MAX_BATCH} jobs) is validated
 * completely before anything is queued: malformed input gets 400 with a message naming the field.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "jobs")
@SecurityRequirementsSet(@SecurityRequirement(name = OpenApiNames.API_KEY))
@SecurityRequirementsSet(@SecurityRequirement(name = OpenApiNames.SIGV4))
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "503", ref = "Unavailable")
@APIResponse(responseCode = "403", ref = "Forbidden")
@APIResponse(responseCode = "500", ref = "InternalError")
public class JobResource {
    static final int MAX_BATCH = 1000;

    @Inject
    JobIntake intake;

    @Inject
    JobRecords records;

    @Inject
    DrainStarter drains;

    @Inject
    SubstrateSelector selector;

    @Inject
    PacketfsConfig config;

    @Inject
    ApiConfig api;

    /**
     * JSON only ({@code application/json} or {@code application/*+json}, any parameters): a page on
     * another origin may post {@code text/plain}, a form or an untyped body without the browser
     * asking this server first (CORS), but not JSON.
     */
    @POST
    @Path("jobs")
    @Operation(
            operationId = "submitJobs",
            summary = "Submit a job, or a batch of 1..1000 jobs",
            description = "Validated whole before anything is queued. A job of an id already known is not queued"
                    + " again (queued: false).")
    @RequestBody(
            required = true,
            content = {
                @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "Submission")),
                @Content(mediaType = MediaType.WILDCARD, schema = @Schema(ref = "NotJson"))
            })
    @APIResponse(
            responseCode = "202",
            description = "queued: one answer, or one per job of a batch in its order",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "Acceptance")))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "408", ref = "BodyTimeout")
    @APIResponse(responseCode = "413", ref = "TooLarge")
    @APIResponse(responseCode = "415", ref = "NotJson")
    @APIResponse(responseCode = "429", ref = "QueueFull")
    public Response submit(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, String body) {
        if (!isJson(contentType)) {
            throw new NotSupportedException("POST /jobs takes JSON: send Content-Type: application/json"
                    + (contentType == null ? "" : ", not " + contentType));
        }
        if (body == null || body.isBlank()) {
            throw new JobException("job", "the request body is empty; send a job as JSON");
        }
        JsonNode node = readJson(body);
        if (node.isArray()) {
            return submitBatch((ArrayNode) node);
        }
        ComputeJob job = check(JobJson.parse(node));
        SubmitOutcome outcome = intake.submit(job);
        if (outcome.queued()) {
            drains.jobsArrived();
        }
        return Response.accepted(accepted(outcome)).build();
    }

    private Response submitBatch(ArrayNode array) {
        if (array.isEmpty() || array.size() > MAX_BATCH) {
            throw new JobException("jobs", "a batch holds 1.." + MAX_BATCH + " jobs, got " + array.size());
        }
        List<ComputeJob> jobs = new ArrayList<>(array.size());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            ComputeJob job;
            try {
                job = check(JobJson.parse(array.get(i)));
            } catch (JobException e) {
                throw new JobException(
                        "[" + i + "]." + e.field(),
                        e.getMessage().substring(e.field().length() + 2));
            }
            if (!ids.add(job.jobId())) {
                throw new JobException("[" + i + "].job_id", "'" + job.jobId() + "' appears twice in the batch");
            }
            jobs.add(job);
        }
        ArrayNode out = JobJson.MAPPER.createArrayNode();
        List<SubmitOutcome> outcomes = intake.submit(jobs);
        outcomes.forEach(o -> out.add(accepted(o)));
        if (outcomes.stream().anyMatch(SubmitOutcome::queued)) {
            drains.jobsArrived();
        }
        return Response.accepted(out).build();
    }

    private static ObjectNode accepted(SubmitOutcome outcome) {
        ObjectNode node = JobJson.MAPPER.createObjectNode();
        node.put("job_id", outcome.jobId());
        // false: the id was known already; nothing new was queued (one id, one result)
        node.put("queued", outcome.queued());
        return node;
    }

    /** The checks that depend on this dispatcher (its substrates and limits), and what only the dispatcher may set. */
    private ComputeJob check(ComputeJob job) {
        if (job.window() != null) {
            throw new JobException(
                    JobJson.WINDOW,
                    "is set by the dispatcher on the windows of a fan-out job;" + " a submitted job may not carry it");
        }
        List<String> known = api.substrates().orElseGet(() -> List.copyOf(selector.names()));
        if (job.pinned() && !known.contains(job.substrate())) {
            throw new JobException(
                    "substrate", "unknown substrate '" + job.substrate() + "'; this dispatcher has " + known);
        }
        for (String name : job.substrates()) {
            if (!known.contains(name)) {
                throw new JobException("substrates", "unknown substrate '" + name + "'; this dispatcher has " + known);
            }
        }
        byte[] data = job.program().data();
        int limit = config.limits().maxInlineBytes();
        if (data != null && data.length > limit) {
            throw new JobException(
                    "program.data",
                    "is " + data.length + " bytes; inline data is limited to " + limit
                            + " bytes (serve larger objects over HTTP and use data_url)");
        }
        return job;
    }

    @GET
    @Path("jobs/{id}")
    @Operation(operationId = "getJob", summary = "A job's state, attempts and, for a fan-out job, its progress")
    @APIResponse(
            responseCode = "200",
            description = "the job's state",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "JobStatus")))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Response status(@Parameter(schema = @Schema(ref = "JobId")) @PathParam("id") String id) {
        JobIds.check(id);
        Optional<JobStatus> status = records.status(id);
        if (status.isEmpty()) {
            return ApiErrors.response(Response.Status.NOT_FOUND, "job_id", "no job '" + id + "' is known");
        }
        JobStatus s = status.get();
        ObjectNode node = JobJson.MAPPER.createObjectNode();
        node.put("job_id", s.jobId());
        node.put("state", s.state());
        node.put("attempts", s.attempts());
        if (s.substrate() != null) {
            node.put("substrate", s.substrate());
        }
        if (s.error() != null) {
            node.put("error", s.error());
        }
        if (s.fanOut() != null) {
            node.set("fanout", s.fanOut().toJson());
        } else if (s.finished()) {
            // A finished fan-out job: its summary, as the result has it.
            records.result(id).map(JobResult::summary).ifPresent(summary -> node.set("fanout", summary));
        }
        return Response.ok(node).build();
    }

    /**
     * {@code DELETE /jobs/{id}}: what has not started does not. A queued job is cancelled (202); a
     * fan-out job starts no more windows and finishes as cancelled (202, state {@code cancelling});
     * a job running or finished is not called back (409).
     */
    @DELETE
    @Path("jobs/{id}")
    @Operation(
            operationId = "cancelJob",
            summary = "Cancel what has not started",
            description = "A running or finished job is not called back.")
    @APIResponse(
            responseCode = "202",
            description = "cancelled (a queued job), or cancelling (a fan-out job starts no more windows)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "Cancelled")))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict")
    public Response cancel(@Parameter(schema = @Schema(ref = "JobId")) @PathParam("id") String id) {
        JobIds.check(id);
        CancelOutcome outcome = intake.cancel(id);
        ObjectNode node = JobJson.MAPPER.createObjectNode().put("job_id", id);
        return switch (outcome) {
            case CANCELLED -> Response.accepted(node.put("state", "cancelled")).build();
            case CANCELLING ->
                Response.accepted(node.put("state", "cancelling")).build();
            case RUNNING ->
                ApiErrors.response(
                        Response.Status.CONFLICT,
                        "job_id",
                        "job '" + id + "' is running; only what has not started can be cancelled");
            case FINISHED -> ApiErrors.response(Response.Status.CONFLICT, "job_id", "job '" + id + "' has finished");
            case UNKNOWN -> ApiErrors.response(Response.Status.NOT_FOUND, "job_id", "no job '" + id + "' is known");
        };
    }

    @GET
    @Path("results/{id}")
    @Operation(operationId = "getResult", summary = "A job's result, once it has finished")
    @APIResponse(
            responseCode = "200",
            description = "the result",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "Result")))
    @APIResponse(
            responseCode = "202",
            description = "known, not finished",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "Pending")))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Response result(@Parameter(schema = @Schema(ref = "JobId")) @PathParam("id") String id) {
        JobIds.check(id);
        Optional<JobResult> result = records.result(id);
        if (result.isPresent()) {
            return Response.ok(JobJson.write(result.get())).build();
        }
        Optional<JobStatus> status = records.status(id);
        // Finished between the two reads: its result is stored now, and a finished job answers
        // 200, never 202.
        if (status.isPresent() && status.get().finished()) {
            result = records.result(id);
            if (result.isPresent()) {
                return Response.ok(JobJson.write(result.get())).build();
            }
        }
        if (status.isEmpty()) {
            return ApiErrors.response(Response.Status.NOT_FOUND, "job_id", "no job '" + id + "' is known");
        }
        ObjectNode pending = JobJson.MAPPER.createObjectNode();
        pending.put("job_id", id);
        pending.put("state", status.get().state());
        return Response.accepted(pending).build();
    }

    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || type.startsWith("application/") && type.endsWith("+json");
    }

    private static JsonNode readJson(String body) {
        try {
            return JobJson.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new JobException(
                    "job",
                    "is not valid JSON: " + e.getOriginalMessage()
                            + (e.getLocation() == null
                                    ? ""
                                    : " (line " + e.getLocation().getLineNr() + ", column "
                                            + e.getLocation().getColumnNr() + ")"));
        }
    }
}
