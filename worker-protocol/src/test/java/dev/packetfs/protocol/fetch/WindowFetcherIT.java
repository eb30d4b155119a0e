package dev.packetfs.protocol.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fetcher against a real HTTP origin on loopback, in each way an origin answers a range. */
class WindowFetcherIT {
    private static final byte[] OBJECT = new byte[3_000_017];
    private static RangeOrigin origin;
    private static WindowFetcher fetcher;

    @BeforeAll
    static void start() throws Exception {
        new SplittableRandom(5).nextBytes(OBJECT);
        origin = new RangeOrigin();
        origin.put("obj", OBJECT);
        origin.put("tiny", new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        fetcher = new WindowFetcher(new FetchLimits(1 << 22, Duration.ofSeconds(2), Duration.ofSeconds(1), 3),
                AddressPolicy.allowAll());
    }

    @AfterAll
    static void stop() throws Exception {
        fetcher.close();
        origin.close();
    }

    private static Program program(Op op, String path, long offset, long length) {
        return new Program(op, 0x33, origin.url(path), null, offset, length, OptionalLong.empty());
    }

    @ParameterizedTest(name = "{0} [{1}, +{2})")
    @CsvSource({
        "/ranged/obj, 0, 9223372036854775807",
        "/ranged/obj, 1000, 65536",
        "/ranged/obj, 2999990, 100",
        "/ranged/obj, 3000017, 10",
        "/ranged/obj, 5000000, 10",
        "/whole/obj, 0, 9223372036854775807",
        "/whole/obj, 123457, 70000",
        "/whole/obj, 2999990, 100",
        "/whole/obj, 5000000, 10",
        "/redirect/2/ranged/obj, 77, 1000",
    })
    void readsExactlyTheWindow(String path, long offset, long length) throws Exception {
        for (Op op : Op.values()) {
            Program fetched = program(op, path, offset, length);
            assertEquals(Kernel.execute(fetched, OBJECT), fetcher.fetchAndExecute(fetched), op + " " + path);
        }
    }

    @Test
    void aKeepAliveConnectionDroppedByTheOriginIsRetriedOnceOnANewOne() throws Exception {
        for (int i = 0; i < 5; i++) {
            Program p = program(Op.CRC32C, "/stale/obj", 1000L * i, 4096);
            // Each fetch after the first leases the pooled connection the origin now drops.
            assertEquals(Kernel.execute(p, OBJECT), fetcher.fetchAndExecute(p), "fetch " + i);
        }
    }

    @Test
    void anOriginIgnoringRangeIsNotReadPastTheWindow() throws Exception {
        long before = origin.bodyBytesSent.get();
        long size = 1L << 30;
        assertEquals(100, fetcher.fetchAndExecute(program(Op.ADD, "/zeros/" + size, 0, 100)).bytesProcessed());
        // Socket buffers may have taken a few megabytes, but the 1 GiB body was not drained.
        long sent = origin.bodyBytesSent.get() - before;
        assertTrue(sent < 64 << 20, "origin sent " + sent + " bytes");
    }

    @Test
    void failsWithAKindTheWorkersCanReport() {
        assertKind(FetchException.Kind.HTTP_STATUS, program(Op.ADD, "/status/404", 0, 10));
        assertKind(FetchException.Kind.HTTP_STATUS, program(Op.ADD, "/status/500", 0, 10));
        assertKind(FetchException.Kind.HTTP_STATUS, program(Op.ADD, "/redirect/4/ranged/tiny", 0, 10));
        assertKind(FetchException.Kind.TOO_LARGE, program(Op.ADD, "/ranged/obj", 0, 5 << 20));
        assertKind(FetchException.Kind.TIMEOUT, program(Op.ADD, "/slow/tiny", 0, 10));
        assertKind(FetchException.Kind.IO, new Program(Op.ADD, 0, "http://127.0.0.1:1/x", null, 0, 1, OptionalLong.empty()));
    }

    @Test
    void aWindowWithoutALengthStopsAtTheLimit() throws Exception {
        try (WindowFetcher small = new WindowFetcher(new FetchLimits(1 << 20, Duration.ofSeconds(2), Duration.ofSeconds(5), 0),
                AddressPolicy.allowAll())) {
            for (String path : new String[] {"/ranged/obj", "/whole/obj"}) {
                FetchException e = assertThrows(FetchException.class,
                        () -> small.fetchAndExecute(program(Op.ADD, path, 0, Program.TO_END)));
                assertEquals(FetchException.Kind.TOO_LARGE, e.kind(), e.getMessage());
            }
        }
    }

    @Test
    void refusedAddressesAreNeverContacted() throws Exception {
        long before = origin.requests();
        try (WindowFetcher strict = new WindowFetcher(FetchLimits.defaults(), (host, address) -> !address.isLoopbackAddress())) {
            FetchException e = assertThrows(FetchException.class,
                    () -> strict.fetchAndExecute(program(Op.ADD, "/ranged/tiny", 0, 3)));
            assertEquals(FetchException.Kind.ADDRESS_REFUSED, e.kind());
        }
        assertEquals(before, origin.requests());
    }

    @Test
    void theDefaultPolicyRefusesLoopbackUnlessAllowListed() throws Exception {
        try (WindowFetcher strict = new WindowFetcher(FetchLimits.defaults(), PublicAddressPolicy.strict());
                WindowFetcher allowing = new WindowFetcher(FetchLimits.defaults(), PublicAddressPolicy.allowing("127.0.0.1"))) {
            Program p = program(Op.CRC32C, "/ranged/tiny", 0, 10);
            assertEquals(FetchException.Kind.ADDRESS_REFUSED,
                    assertThrows(FetchException.class, () -> strict.fetchAndExecute(p)).kind());
            assertEquals(Kernel.execute(p, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), allowing.fetchAndExecute(p));
        }
    }

    @Test
    void everyRedirectHopIsCheckedAgain() throws Exception {
        // The origin on 127.0.0.1 is allowed; it redirects to 127.0.0.3, loopback too but not
        // allowed, so the second hop must be refused before any request is sent.
        try (WindowFetcher allowing = new WindowFetcher(FetchLimits.defaults(), PublicAddressPolicy.allowing("127.0.0.1"))) {
            long before = origin.requests();
            Program p = new Program(Op.ADD, 0, origin.url("/away/" + "127.0.0.3"), null, 0, 3, OptionalLong.empty());
            FetchException e = assertThrows(FetchException.class, () -> allowing.fetchAndExecute(p));
            assertEquals(FetchException.Kind.ADDRESS_REFUSED, e.kind(), e.getMessage());
            assertEquals(before + 1, origin.requests(), "the first hop was served, the second never sent");
        }
    }

    private static void assertKind(FetchException.Kind kind, Program program) {
        FetchException e = assertThrows(FetchException.class, () -> fetcher.fetchAndExecute(program));
        assertEquals(kind, e.kind(), e.getMessage());
    }
}
