package dev.packetfs.dispatch.substrate.browser;

import dev.packetfs.kernel.ObjectVersion;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * The version of a {@code data_url}'s object now, as the dispatcher's own checked fetcher probes
 * it: a job read by volunteers is read more than once (a second browser, the dispatcher's check,
 * a correction later), and every read must see the same version (docs/kernel.md#versions).
 * Completes with null when the origin tells nothing that could be checked, or cannot be probed.
 */
@FunctionalInterface
public interface VersionPin {
    CompletionStage<ObjectVersion> current(String url, Duration timeout);
}
