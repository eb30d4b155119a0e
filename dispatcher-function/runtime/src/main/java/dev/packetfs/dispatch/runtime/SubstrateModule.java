package dev.packetfs.dispatch.runtime;

import dev.packetfs.dispatch.substrate.SubstrateAdapter;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;

/**
 * One substrate as its module gives it to the dispatcher: a bean in the module's jar, which
 * {@link DispatcherBeans} finds without naming it. A packaging offers a substrate by having its
 * module on the class path ({@code substrates/bundle}, and the server adds {@code browser}); a
 * deployment turns it on by configuring it. docs/adding-a-substrate.md lists every step.
 */
public interface SubstrateModule {

    /** The substrate's name in jobs, results and the books ({@code flyio}). */
    String name();

    /**
     * USD per billed unit at the provider's published pay-as-you-go prices, which
     * {@code packetfs.prices.<name>.<unit>} overrides one by one; empty for a substrate that is free.
     */
    Map<String, BigDecimal> listPrices();

    /**
     * The adapter, when this deployment configures the substrate (its endpoint is set); empty leaves
     * it out. Called once, when the selector is first needed: on Lambda the first invocation, never
     * at init, which SnapStart freezes.
     */
    Optional<SubstrateAdapter> adapter();
}
