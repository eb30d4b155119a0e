package dev.packetfs.dispatch.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code packetfs.api.*}: the HTTP API's own limits (the rest of the dispatcher's keys are in PacketfsConfig). */
@ConfigMapping(prefix = "packetfs.api")
public interface ApiConfig {

    /**
     * Time for a whole request body to arrive once its headers have: a slower body gets 408 and its
     * connection is closed. 8 MiB (the largest body) in 30 s is 2.2 Mbit/s.
     */
    @WithDefault("30s")
    Duration bodyTimeout();

    /**
     * Serve {@code GET /metrics/stream}. Off where a response cannot be streamed (the Lambda
     * function URL buffers whole answers): the dashboard polls {@code GET /metrics} there.
     */
    @WithDefault("true")
    boolean liveStream();

    /**
     * The substrates a job may name ({@code substrate}, {@code substrates}) when the dispatchers
     * that run it are elsewhere: the Lambda API, whose jobs the drain runs, is told the drain's.
     * Unset: this dispatcher's own.
     */
    Optional<List<String>> substrates();

    /**
     * Who may open Swagger UI at {@code /q/swagger-ui} where it is included ({@code pfs serve}):
     * {@code loopback} a browser on this machine, {@code on} anyone, {@code off} nobody.
     */
    @WithDefault("loopback")
    SwaggerUiGate.Mode swaggerUi();
}
