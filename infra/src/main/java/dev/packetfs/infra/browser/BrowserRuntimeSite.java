package dev.packetfs.infra.browser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files of the volunteer browser runtime, gathered into one flat directory as the dispatcher
 * serves them at {@code /browser-runtime/}: {@code browser-runtime/*.js} and {@code *.html}, the
 * kernel {@code kernel/js/packetfs-kernel.mjs} and the window reader
 * {@code worker-protocol/js/range-window.mjs}, which the runtime imports as {@code ./…}. Each file
 * stays where it lives in the repository; this copy is build output.
 */
public final class BrowserRuntimeSite {
    private BrowserRuntimeSite() {}

    /** The files to publish, from the repository at {@code root}. */
    public static List<Path> files(Path root) {
        List<Path> files = new ArrayList<>();
        Path runtime = root.resolve("browser-runtime");
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(runtime, "*.{js,html}")) {
            entries.forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + runtime, e);
        }
        files.sort(Comparator.comparing(p -> p.getFileName().toString()));
        files.add(root.resolve("kernel/js/packetfs-kernel.mjs"));
        files.add(root.resolve("worker-protocol/js/range-window.mjs"));
        return files;
    }

    /** Replaces {@code into} with a flat copy of {@link #files(Path)}; returns {@code into}. */
    public static Path stage(Path root, Path into) {
        try {
            if (Files.exists(into)) {
                try (Stream<Path> old = Files.walk(into)) {
                    for (Path p : old.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(into);
            for (Path file : files(root)) {
                if (!Files.isRegularFile(file)) {
                    throw new IllegalStateException("browser runtime file missing: " + file);
                }
                Files.copy(file, into.resolve(file.getFileName().toString()));
            }
            return into;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the browser runtime into " + into, e);
        }
    }
}
