package dev.packetfs.testing;

import dev.packetfs.lambdalocal.LambdaEmulator;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/** The local Lambda service running this repository's built {@code worker-lambda/target/function.zip}. */
public final class LambdaEmulators {

    private LambdaEmulators() {}

    public static LambdaEmulator worker(
            Map<String, String> functionEnv,
            int environments,
            int reservedConcurrency,
            int memoryMb,
            Duration functionTimeout)
            throws IOException {
        return LambdaEmulator.start(new LambdaEmulator.Settings(
                RepositoryPaths.find("worker-lambda/target/function.zip"),
                RepositoryPaths.find("lambda-local/target/lambda-ric"),
                LambdaEmulator.ACCESS_KEY,
                0,
                functionEnv,
                environments,
                reservedConcurrency,
                memoryMb,
                functionTimeout));
    }
}
