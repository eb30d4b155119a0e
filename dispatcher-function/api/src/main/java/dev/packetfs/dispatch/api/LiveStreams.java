package dev.packetfs.dispatch.api;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;

/**
 * Ends every live stream when the server begins to stop. Quarkus' graceful shutdown waits for
 * open requests to end (quarkus.shutdown.timeout), and an event stream never ends by itself, so
 * one open dashboard would hold a stopping dispatcher for the whole timeout.
 */
@ApplicationScoped
public class LiveStreams {
    private final BroadcastProcessor<Boolean> stopping = BroadcastProcessor.create();
    private volatile boolean stopped;

    /** {@code stream} until the server begins to stop. */
    <T> Multi<T> untilShutdown(Multi<T> stream) {
        if (stopped) {
            return Multi.createFrom().empty();
        }
        return Multi.createBy()
                .merging()
                .streams(stream.map(Optional::of), stopping.map(x -> Optional.<T>empty()))
                .select()
                .first(Optional::isPresent)
                .map(Optional::get);
    }

    void stop(@Observes ShutdownDelayInitiatedEvent event) {
        stopAll();
    }

    void stop(@Observes ShutdownEvent event) {
        stopAll();
    }

    private synchronized void stopAll() {
        if (!stopped) {
            stopped = true;
            stopping.onNext(true);
            stopping.onComplete();
        }
    }
}
