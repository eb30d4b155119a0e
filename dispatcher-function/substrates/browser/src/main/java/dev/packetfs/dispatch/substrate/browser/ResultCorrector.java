package dev.packetfs.dispatch.substrate.browser;

import dev.packetfs.kernel.KernelResult;

/** Puts a stored result right: the job's result was accepted from a node later caught lying. */
@FunctionalInterface
public interface ResultCorrector {
    void correct(String jobId, KernelResult corrected);
}
