package dev.packetfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pfs run --file --window} serves a file that may change while its job reads it (a log
 * appended to): each version has its own ETag, and a read pinned to an older one is refused.
 */
class FileOriginIT {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<byte[]> get(String url, String range, String ifMatch) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Range", range);
        if (ifMatch != null) {
            b.header("If-Match", ifMatch);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void aFileAppendedToIsAnotherVersionAndAReadPinnedToTheOldOneIsRefused(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("app.log");
        Files.writeString(log, "first line\n");
        Files.setLastModifiedTime(log, FileTime.from(Instant.parse("2026-12-06T00:00:00Z")));
        try (FileOrigin origin = new FileOrigin(log)) {
            HttpResponse<byte[]> first = get(origin.url(), "bytes=0-4", null);
            assertEquals(206, first.statusCode());
            String etag = first.headers().firstValue("ETag").orElse(null);
            assertNotNull(etag);
            assertEquals(206, get(origin.url(), "bytes=5-9", etag).statusCode(), "the same version: read");
            Files.writeString(log, "second line\n", StandardOpenOption.APPEND);
            HttpResponse<byte[]> after = get(origin.url(), "bytes=5-9", etag);
            assertEquals(412, after.statusCode(), "pinned to the version before the append: refused");
            assertNotEquals(etag, after.headers().firstValue("ETag").orElse(null), "the 412 names the new version");
        }
    }
}
