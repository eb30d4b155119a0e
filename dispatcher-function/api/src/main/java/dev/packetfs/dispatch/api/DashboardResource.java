package dev.packetfs.dispatch.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirementsSet;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /dashboard}: the per-provider cost dashboard, a page that reads {@code /metrics}
 * (and its live stream) and {@code /dead-letters}. Its script, and uPlot for its charts (from the
 * {@code org.webjars.npm:uplot} jar on the class path), are served from here under
 * {@code /dashboard/}: the page loads nothing from anywhere else.
 */
@Path("/dashboard")
@Tag(name = "operations")
@SecurityRequirementsSet
@APIResponse(responseCode = "403", ref = "Forbidden")
@APIResponse(responseCode = "500", ref = "InternalError")
public class DashboardResource {
    private static final String UPLOT = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
    /** What the page may load: name → class-path resource and media type. */
    private static final Map<String, Asset> ASSETS = Map.of(
            "dashboard.js", new Asset("dev/packetfs/dispatch/api/dashboard.js", "text/javascript; charset=utf-8"),
            "dashboard.css", new Asset("dev/packetfs/dispatch/api/dashboard.css", "text/css; charset=utf-8"),
            "uplot.js", new Asset(UPLOT + "uPlot.iife.min.js", "text/javascript; charset=utf-8"),
            "uplot.css", new Asset(UPLOT + "uPlot.min.css", "text/css; charset=utf-8"));

    private static final byte[] PAGE = read("dev/packetfs/dispatch/api/dashboard.html");

    private record Asset(String resource, String type) {}

    @GET
    @Operation(
            operationId = "getDashboard",
            summary = "The cost dashboard",
            description = "Open without an API key; the page asks for it.")
    @APIResponse(
            responseCode = "200",
            description = "the page",
            content = @Content(mediaType = "text/html", schema = @Schema(type = SchemaType.STRING)))
    public Response page() {
        return Response.ok(PAGE, "text/html; charset=utf-8")
                // The page runs only what it loads from here, and talks only to this dispatcher.
                .header(
                        "Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data:; style-src 'self';"
                                + " script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'")
                .header("X-Content-Type-Options", "nosniff")
                .build();
    }

    @GET
    @Path("{asset}")
    @Operation(operationId = "getDashboardFile", summary = "The dashboard's script and styles, and uPlot")
    @APIResponse(
            responseCode = "200",
            description = "the file",
            content = {
                @Content(mediaType = "text/javascript", schema = @Schema(type = SchemaType.STRING)),
                @Content(mediaType = "text/css", schema = @Schema(type = SchemaType.STRING))
            })
    @APIResponse(responseCode = "404", description = "no such file")
    public Response asset(
            @Parameter(schema = @Schema(enumeration = {"dashboard.js", "dashboard.css", "uplot.js", "uplot.css"}))
                    @PathParam("asset")
                    String name) {
        Asset asset = ASSETS.get(name);
        if (asset == null) {
            throw new NotFoundException("no such dashboard file: " + name);
        }
        return Response.ok(read(asset.resource()), asset.type())
                .header("Cache-Control", "max-age=300")
                .header("X-Content-Type-Options", "nosniff")
                .build();
    }

    private static byte[] read(String resource) {
        try (InputStream in = DashboardResource.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing " + resource + " on the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String uplotVersion() {
        Properties p = new Properties();
        try (InputStream in = DashboardResource.class.getResourceAsStream("dashboard.properties")) {
            p.load(in);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("dashboard.properties is missing from the api module's build", e);
        }
        return p.getProperty("uplot.version");
    }
}
