package dev.packetfs.dispatch.substrate.browser;

import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Program;
import java.util.concurrent.CompletionStage;

/** Runs a program where the answer can be trusted: the dispatcher's own kernel and fetcher. */
@FunctionalInterface
public interface TrustedRecompute {
    CompletionStage<KernelResult> run(Program program);
}
