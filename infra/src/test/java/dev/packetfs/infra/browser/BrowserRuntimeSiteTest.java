package dev.packetfs.infra.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repository's browser runtime, staged flat: every file it imports is beside it. */
class BrowserRuntimeSiteTest {
    /** The tests run in infra/. */
    static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();

    static final Pattern RELATIVE_IMPORT = Pattern.compile("(?:import|from)\\s*\\(?\\s*['\"](\\./[^'\"]+)['\"]");

    @TempDir
    Path temp;

    @Test
    void stagesWhatTheDispatcherServesAtBrowserRuntime() throws IOException {
        Path site = BrowserRuntimeSite.stage(REPOSITORY, temp.resolve("site"));
        Set<String> names = names(site);
        assertTrue(
                names.containsAll(Set.of(
                        "index.html",
                        "packetfs-client.js",
                        "packetfs-worker.js",
                        "packetfs-sw.js",
                        "packetfs-execute.js",
                        "packetfs-kernel.mjs",
                        "range-window.mjs")),
                names::toString);
        assertTrue(
                names.stream().allMatch(n -> n.endsWith(".js") || n.endsWith(".mjs") || n.endsWith(".html")),
                names::toString);
        assertEquals(
                Files.readString(REPOSITORY.resolve("kernel/js/packetfs-kernel.mjs")),
                Files.readString(site.resolve("packetfs-kernel.mjs")),
                "the kernel is the repository's, unchanged");
    }

    @Test
    void everyRelativeImportResolvesInsideTheSite() throws IOException {
        Path site = BrowserRuntimeSite.stage(REPOSITORY, temp.resolve("site"));
        int imports = 0;
        for (String name : names(site)) {
            Matcher m = RELATIVE_IMPORT.matcher(Files.readString(site.resolve(name)));
            while (m.find()) {
                imports++;
                String target = m.group(1).substring(2);
                assertTrue(
                        Files.isRegularFile(site.resolve(target)),
                        name + " imports " + m.group(1) + ", not in the site");
            }
        }
        assertTrue(imports >= 4, "found only " + imports + " relative imports");
    }

    @Test
    void stagingAgainReplacesTheOldCopy() throws IOException {
        Path site = temp.resolve("site");
        Files.createDirectories(site.resolve("stale"));
        Files.writeString(site.resolve("old.js"), "gone");
        BrowserRuntimeSite.stage(REPOSITORY, site);
        assertFalse(Files.exists(site.resolve("old.js")));
        assertFalse(Files.exists(site.resolve("stale")));
    }

    static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
