package dev.packetfs.worker.flyio;

import dev.packetfs.protocol.worker.WorkerReply;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The worker protocol over HTTP: {@code POST /compute} (bearer token, checked by {@link ComputeGate}) and {@code GET /health}. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class ComputeResource {
    private final FlyWorker worker;

    ComputeResource(FlyWorker worker) {
        this.worker = worker;
    }

    /**
     * Runs on a worker thread: a fetch blocks on the origin. {@link ComputeGate} has checked the
     * token and read the body before this is called.
     */
    @POST
    @Path("compute")
    @Consumes(MediaType.WILDCARD)
    public Response compute(byte[] body) {
        return reply(worker.compute().compute(body)).build();
    }

    @GET
    @Path("health")
    public String health() {
        return worker.compute().health().toString();
    }

    private static Response.ResponseBuilder reply(WorkerReply reply) {
        Response.ResponseBuilder response =
                Response.status(reply.status()).entity(reply.body().toString());
        if (reply.status() == 429) {
            response.header("Retry-After", "1");
        }
        return response;
    }
}
