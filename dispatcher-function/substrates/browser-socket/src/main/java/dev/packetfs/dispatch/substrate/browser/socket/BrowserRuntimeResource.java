package dev.packetfs.dispatch.substrate.browser.socket;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.packetfs.dispatch.substrate.browser.BrowserConfig;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirementsSet;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The volunteer runtime at {@code /browser-runtime/}: the demo page, the client, the Web Worker,
 * the Service Worker, the shared kernel file and the shared Range window reader, packaged into
 * this jar from {@code browser-runtime/}, {@code kernel/js/} and {@code worker-protocol/js/}. Scripts go out as {@code text/javascript}
 * (module scripts and module workers refuse anything else) and are revalidated on every load,
 * so a volunteer never runs an outdated kernel. {@code packetfs-runtime.json} tells the page where
 * volunteers join: the edge coordinator's {@code /browser} when {@code packetfs.browser.edge-url}
 * is set, else (an empty object) this dispatcher's.
 */
@Path("/browser-runtime")
@Tag(name = "volunteers")
@SecurityRequirementsSet
public class BrowserRuntimeResource {
    static final String RUNTIME_CONFIG = "packetfs-runtime.json";

    @Inject
    BrowserConfig config;

    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "packetfs-client.js", "text/javascript; charset=utf-8",
            "packetfs-worker.js", "text/javascript; charset=utf-8",
            "packetfs-sw.js", "text/javascript; charset=utf-8",
            "packetfs-execute.js", "text/javascript; charset=utf-8",
            "packetfs-kernel.mjs", "text/javascript; charset=utf-8",
            "range-window.mjs", "text/javascript; charset=utf-8");

    /** Without the slash, the page's relative script URLs would resolve against the root. */
    @GET
    @Operation(
            operationId = "getVolunteerPage",
            summary = "The volunteer page (server only)",
            description = "Without the trailing slash, a redirect to /browser-runtime/.")
    @APIResponse(
            responseCode = "200",
            description = "the page: opening it makes the browser a volunteer",
            content = @Content(mediaType = "text/html", schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "301", description = "to /browser-runtime/")
    public Response page(@Context UriInfo uri) {
        if (!uri.getPath().endsWith("/")) {
            return Response.status(Response.Status.MOVED_PERMANENTLY)
                    .location(URI.create("/browser-runtime/"))
                    .build();
        }
        return file("index.html");
    }

    @GET
    @Path("{file}")
    @Operation(
            operationId = "getVolunteerRuntimeFile",
            summary = "The volunteer runtime's files (server only)",
            description = "The client, the Web Worker, the Service Worker, the kernel, the window reader, and"
                    + " packetfs-runtime.json, which names the coordinator volunteers join.")
    @APIResponse(
            responseCode = "200",
            description = "the file",
            content = {
                @Content(mediaType = "text/javascript", schema = @Schema(type = SchemaType.STRING)),
                @Content(mediaType = "text/html", schema = @Schema(type = SchemaType.STRING)),
                @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.OBJECT))
            })
    @APIResponse(responseCode = "404", description = "no such file")
    public Response file(@PathParam("file") String name) {
        if (RUNTIME_CONFIG.equals(name)) {
            return revalidated(
                    runtimeConfig(config.edgeUrl().orElse(null)).getBytes(StandardCharsets.UTF_8), "application/json");
        }
        String type = TYPES.get(name);
        if (type == null) {
            return Response.status(Response.Status.NOT_FOUND).build();
        }
        byte[] bytes;
        try (InputStream in = BrowserRuntimeResource.class.getResourceAsStream("/browser-runtime/" + name)) {
            if (in == null) {
                return Response.status(Response.Status.NOT_FOUND).build();
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            return Response.serverError().build();
        }
        return revalidated(bytes, type);
    }

    /**
     * The page's deployment options: {@code {"coordinator":"wss://<edge>/browser"}} for volunteers
     * at the edge coordinator {@code edge}, {@code {}} for this dispatcher's own.
     */
    static String runtimeConfig(URI edge) {
        ObjectNode options = JsonNodeFactory.instance.objectNode();
        if (edge != null) {
            String scheme = "https".equalsIgnoreCase(edge.getScheme()) ? "wss" : "ws";
            options.put(
                    "coordinator",
                    URI.create(scheme
                                    + edge.toString().substring(edge.getScheme().length()))
                            .resolve("/browser")
                            .toString());
        }
        return options.toString();
    }

    private static Response revalidated(byte[] bytes, String type) {
        return Response.ok(bytes, type)
                .header("Cache-Control", "no-cache")
                .header("X-Content-Type-Options", "nosniff")
                .build();
    }
}
