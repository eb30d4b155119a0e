package dev.packetfs.worker.flyio;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code packetfs.*} keys of the Fly.io worker; each is also read from its upper-case environment
 * form ({@code PACKETFS_WORKER_TOKEN}, {@code PACKETFS_FETCH_ALLOW_HOSTS}, ...).
 */
@ConfigMapping(prefix = "packetfs")
public interface FlyWorkerConfig {

    Worker worker();

    Fetch fetch();

    interface Worker {
        /** The bearer token {@code /compute} requires; the worker does not start without it. */
        Optional<String> token();

        /** Where this worker runs, reported as {@code location} (Fly sets {@code FLY_REGION}). */
        @WithDefault("local")
        String location();

        /** Computations at once; one more is answered 429. Keep fly.toml's hard_limit at or below it. */
        @WithDefault("64")
        int maxConcurrency();

        @WithDefault("60s")
        Duration maxDuration();

        /** Advertised in {@code /health}; match fly.toml's VM memory. */
        @WithDefault("512")
        int maxMemoryMb();

        @WithDefault("6291456")
        long maxBodyBytes();

        /**
         * Time for a whole {@code /compute} body to arrive once its headers have: a slower body gets
         * 408 and its connection is closed. 6 MiB in 30 s is 1.6 Mbit/s.
         */
        @WithDefault("30s")
        Duration bodyTimeout();
    }

    interface Fetch {
        /** Hosts and CIDRs exempt from the private-address refusal, comma-separated (tests: 127.0.0.1). */
        Optional<String> allowHosts();

        @WithDefault("268435456")
        long maxWindowBytes();

        @WithDefault("5s")
        Duration connectTimeout();

        @WithDefault("3")
        int maxRedirects();
    }
}
