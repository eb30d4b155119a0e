package dev.packetfs.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the built artifacts in a repository, and saying what to build when they are missing. */
class ArtifactsTest {
    @TempDir
    Path root;

    @Test
    void missingZipsAreNamedWithTheCommandThatBuildsThem() throws IOException {
        write("worker-lambda/target/function.zip");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Artifacts.inRepository(root));
        assertTrue(e.getMessage().contains("dispatcher-function/lambda-url/target/function.zip"), e.getMessage());
        assertTrue(e.getMessage().contains("dispatcher-function/lambda-drain/target/function.zip"), e.getMessage());
        assertTrue(!e.getMessage().contains("worker-lambda/target/function.zip"), e.getMessage());
        assertTrue(e.getMessage().contains(Artifacts.BUILD_COMMAND), e.getMessage());
    }

    @Test
    void builtRepositoryGivesTheZipsAndAStagedSite() throws IOException {
        for (String zip : new String[] {
            "worker-lambda/target/function.zip",
            "dispatcher-function/lambda-url/target/function.zip",
            "dispatcher-function/lambda-drain/target/function.zip"
        }) {
            write(zip);
        }
        for (String file : new String[] {
            "browser-runtime/index.html",
            "browser-runtime/packetfs-client.js",
            "browser-runtime/package.json",
            "browser-runtime/test/pages.test.mjs",
            "kernel/js/packetfs-kernel.mjs",
            "worker-protocol/js/range-window.mjs"
        }) {
            write(file);
        }
        Artifacts artifacts = Artifacts.inRepository(root);
        assertEquals(root.resolve("worker-lambda/target/function.zip"), artifacts.worker());
        assertEquals(root.resolve("dispatcher-function/lambda-url/target/function.zip"), artifacts.api());
        assertEquals(root.resolve("dispatcher-function/lambda-drain/target/function.zip"), artifacts.drain());
        assertEquals(root.resolve("infra/target/browser-runtime-site"), artifacts.browserSite());
        try (Stream<Path> files = Files.list(artifacts.browserSite())) {
            assertEquals(
                    Set.of("index.html", "packetfs-client.js", "packetfs-kernel.mjs", "range-window.mjs"),
                    files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        }
    }

    private void write(String path) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, path);
    }
}
