package dev.packetfs.infra;

import dev.packetfs.infra.browser.BrowserRuntimeSite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the stacks deploy, built elsewhere in the repository: the three Quarkus {@code function.zip}
 * files and the browser runtime's files, gathered into one directory.
 *
 * @param worker      {@code worker-lambda/target/function.zip}
 * @param api         {@code dispatcher-function/lambda-url/target/function.zip}
 * @param drain       {@code dispatcher-function/lambda-drain/target/function.zip}
 * @param browserSite a directory of the browser runtime's files, flat
 */
public record Artifacts(Path worker, Path api, Path drain, Path browserSite) {
    static final String BUILD_COMMAND =
            "mvn -pl worker-lambda,dispatcher-function/lambda-url,dispatcher-function/lambda-drain"
                    + " -am package -DskipTests";

    /**
     * The artifacts of the repository at {@code root}, which must have been built; stages the
     * browser runtime into {@code infra/target/browser-runtime-site}.
     */
    public static Artifacts inRepository(Path root) {
        Path worker = root.resolve("worker-lambda/target/function.zip");
        Path api = root.resolve("dispatcher-function/lambda-url/target/function.zip");
        Path drain = root.resolve("dispatcher-function/lambda-drain/target/function.zip");
        List<String> missing = new ArrayList<>();
        for (Path zip : List.of(worker, api, drain)) {
            if (!Files.isRegularFile(zip)) {
                missing.add(root.relativize(zip).toString());
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("not built: " + String.join(", ", missing)
                    + "; build them from the repository root with: " + BUILD_COMMAND);
        }
        Path site = BrowserRuntimeSite.stage(root, root.resolve("infra/target/browser-runtime-site"));
        return new Artifacts(worker, api, drain, site);
    }
}
