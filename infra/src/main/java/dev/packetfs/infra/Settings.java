package dev.packetfs.infra;

import dev.packetfs.infra.cost.CostSettings;
import dev.packetfs.infra.dispatcher.DispatcherSettings;
import dev.packetfs.infra.worker.WorkerSettings;
import java.util.Optional;

/**
 * Everything the app reads from CDK context, each stack's part in its own record.
 *
 * @param account {@code packetfs:account}: unset leaves the stacks environment-agnostic (the CLI's
 *                credentials decide at deploy time)
 * @param region  {@code packetfs:region}: likewise
 */
public record Settings(
        WorkerSettings worker,
        DispatcherSettings dispatcher,
        CostSettings cost,
        Optional<String> account,
        Optional<String> region) {
    public static final String ACCOUNT_KEY = "packetfs:account";
    public static final String REGION_KEY = "packetfs:region";

    public static Settings from(ContextValues context) {
        return new Settings(
                WorkerSettings.from(context),
                DispatcherSettings.from(context),
                CostSettings.from(context),
                context.text(ACCOUNT_KEY),
                context.text(REGION_KEY));
    }
}
