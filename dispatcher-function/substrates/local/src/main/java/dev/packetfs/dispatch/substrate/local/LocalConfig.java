package dev.packetfs.dispatch.substrate.local;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The kernel in the dispatcher's own JVM: {@code packetfs.local.*}. */
@ConfigMapping(prefix = "packetfs.local")
public interface LocalConfig {
    /** Offer the in-process kernel as the {@code local} substrate. */
    @WithDefault("true")
    boolean enabled();

    @WithDefault("64")
    int maxConcurrency();

    @WithDefault("2048")
    int maxMemoryMb();

    @WithDefault("5m")
    Duration maxDuration();
}
