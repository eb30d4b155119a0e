package dev.packetfs.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Stand-ins for the built artifacts: a placeholder directory for each function, a tiny site. */
public final class TestArtifacts {
    private TestArtifacts() {}

    public static Path placeholderFunction() {
        try {
            return Path.of(
                    TestArtifacts.class.getResource("/placeholder-function").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A site of three files in {@code dir}: a page, a script and a module. */
    public static Path site(Path dir) {
        try {
            Files.writeString(dir.resolve("index.html"), "<!doctype html><script type=module src=app.js></script>");
            Files.writeString(dir.resolve("app.js"), "import { k } from './kernel.mjs';");
            Files.writeString(dir.resolve("kernel.mjs"), "export const k = 1;");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Artifacts placeholders(Path siteDir) {
        Path code = placeholderFunction();
        return new Artifacts(code, code, code, site(siteDir));
    }
}
