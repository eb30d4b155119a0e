package dev.packetfs.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of this repository (build outputs, worker sources) from wherever a test runs in it. */
public final class RepositoryPaths {

    private RepositoryPaths() {}

    /** {@code path} relative to the repository root, found by walking up from the working directory. */
    public static Path find(String path) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(path))) {
                return dir.resolve(path).normalize();
            }
        }
        throw new IllegalStateException(
                "not found: " + path + " (build from the repository root: mvn install, npm ci)");
    }
}
