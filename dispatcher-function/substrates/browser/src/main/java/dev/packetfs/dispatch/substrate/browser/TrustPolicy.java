package dev.packetfs.dispatch.substrate.browser;

import dev.packetfs.dispatch.substrate.BilledUnits;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a volunteer's answer is used, and how it is checked (browser-runtime/README.md,
 * "Trust"). A new node's answer needs a second, independent browser to agree, or the dispatcher's
 * own kernel when no second browser is free. A node with {@code trustAfter} consecutive verified
 * answers is verified with probability {@code trustAfter / (2 run)}, never below
 * {@code minVerifyProbability}, and gets known-answer spot checks. Two answers that disagree are
 * settled by the dispatcher's kernel. A node caught with a wrong answer is disconnected, and every
 * answer it gave that was accepted unverified is recomputed and, where wrong, corrected.
 */
final class TrustPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(TrustPolicy.class);
    private static final int SPOT_CHECK_BYTES = 4096;

    private final BrowserSettings settings;
    private final VolunteerPool leases;
    private final TrustedRecompute trusted;
    private final ResultCorrector corrector;
    private final BrowserStats stats;

    /**
     * An answer as used, where it came from ({@code browser/<node>}, with its verifier), and what its
     * leases were billed.
     */
    record Verified(KernelResult result, String where, BilledUnits billed) {}

    TrustPolicy(
            BrowserSettings settings,
            VolunteerPool leases,
            TrustedRecompute trusted,
            ResultCorrector corrector,
            BrowserStats stats) {
        this.settings = settings;
        this.leases = leases;
        this.trusted = trusted;
        this.corrector = corrector;
        this.stats = stats;
    }

    /**
     * The answer to use for {@code first}: as it is, or after a second opinion.
     *
     * @param alwaysVerify true for a window of a fan-out job: its answer is merged into a result
     *     that no later correction can reach, so it is never taken on trust
     */
    CompletableFuture<Verified> verify(
            String jobId, Program program, Leases.Answer first, long deadline, boolean alwaysVerify) {
        VolunteerNode a = first.node();
        if (!alwaysVerify && !needsVerification(a)) {
            stats.unverified.incrementAndGet();
            a.acceptedUnverified(new VolunteerNode.Unverified(jobId, program, first.result()));
            maybeSpotCheck(a);
            return CompletableFuture.completedFuture(new Verified(first.result(), "browser/" + a.id, first.billed()));
        }
        CompletableFuture<Leases.Answer> quorum = leases.second(program, deadline, a, settings.distinctAddresses());
        return quorum.handle((second, error) -> second).thenCompose(second -> {
            if (second == null) {
                return recomputeAgainst(program, List.of(first));
            }
            if (second.result().equals(first.result())) {
                leases.credit(a);
                leases.credit(second.node());
                return CompletableFuture.completedFuture(new Verified(
                        first.result(),
                        "browser/" + a.id + "+" + second.node().id,
                        first.billed().plus(second.billed())));
            }
            return recomputeAgainst(program, List.of(first, second));
        });
    }

    /** The dispatcher's own answer decides; a node whose answer differs is caught. */
    private CompletableFuture<Verified> recomputeAgainst(Program program, List<Leases.Answer> answers) {
        stats.recomputes.incrementAndGet();
        return trusted.run(program).toCompletableFuture().thenApply(truth -> {
            for (Leases.Answer x : answers) {
                if (x.result().equals(truth)) {
                    leases.credit(x.node());
                } else {
                    caught(
                            x.node(),
                            program.op() + " answer " + x.result().toJson() + " where the dispatcher computed "
                                    + truth.toJson());
                }
            }
            BilledUnits billed =
                    answers.stream().map(Leases.Answer::billed).reduce(BilledUnits.NONE, BilledUnits::plus);
            return new Verified(truth, "browser/" + answers.get(0).node().id + "+verified", billed);
        });
    }

    private boolean needsVerification(VolunteerNode n) {
        int run = n.validRun();
        if (run < settings.trustAfter()) {
            return true;
        }
        // Half at the moment of trust, a tenth after five times as many, never below the floor.
        double p = Math.max(settings.minVerifyProbability(), settings.trustAfter() / (2.0 * run));
        return ThreadLocalRandom.current().nextDouble() < p;
    }

    /** Now and then, a job whose answer is known already, to keep a trusted node honest. */
    private void maybeSpotCheck(VolunteerNode node) {
        if (ThreadLocalRandom.current().nextDouble() < settings.spotCheckRate()) {
            spotCheck(node);
        }
    }

    /** A known-answer check of {@code node} now, on a slot over its capacity if need be. */
    void spotCheck(VolunteerNode node) {
        byte[] data = new byte[SPOT_CHECK_BYTES];
        ThreadLocalRandom.current().nextBytes(data);
        Op op = Op.values()[ThreadLocalRandom.current().nextInt(Op.values().length)];
        Program check = new Program(
                op, ThreadLocalRandom.current().nextInt(256), null, data, 0, Program.TO_END, OptionalLong.empty());
        KernelResult known = Kernel.execute(check);
        CompletableFuture<KernelResult> sent =
                leases.check(node, check, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
        if (sent == null) {
            return;
        }
        stats.spotChecks.incrementAndGet();
        sent.whenComplete((answer, error) -> {
            if (error == null && !answer.equals(known)) {
                caught(node, "spot check: " + op + " answer " + answer.toJson() + ", known " + known.toJson());
            } else if (error == null) {
                leases.credit(node);
            }
        });
    }

    /** A node that gave a wrong answer: disconnected, and everything it was trusted with recomputed. */
    void caught(VolunteerNode node, String why) {
        // Even a node that left already: what it was trusted with is re-run.
        List<VolunteerNode.Unverified> trustedWith = node.catchLying();
        if (trustedWith == null) {
            return;
        }
        stats.caught.incrementAndGet();
        LOG.warn("browser {} from {} caught: {}; disconnecting it", node.id, node.address, why);
        leases.disconnect(node, "a result failed verification");
        for (VolunteerNode.Unverified u : trustedWith) {
            trusted.run(u.program()).whenComplete((truth, error) -> {
                if (error != null) {
                    LOG.warn(
                            "re-running job {} after browser {} was caught failed: {}",
                            u.jobId(),
                            node.id,
                            error.toString());
                } else if (!truth.equals(u.result())) {
                    stats.corrected.incrementAndGet();
                    corrector.correct(u.jobId(), truth);
                }
            });
        }
    }
}
