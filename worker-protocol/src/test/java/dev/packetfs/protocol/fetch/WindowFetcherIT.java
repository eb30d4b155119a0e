package dev.packetfs.protocol.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.testing.RangeOrigin;
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
        fetcher = new WindowFetcher(
                new FetchLimits(1 << 22, Duration.ofSeconds(2), Duration.ofSeconds(1), 3), AddressPolicy.allowAll());
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
        long before = origin.bodyBytesSent();
        long size = 1L << 30;
        assertEquals(
                100,
                fetcher.fetchAndExecute(program(Op.ADD, "/zeros/" + size, 0, 100))
                        .bytesProcessed());
        // Socket buffers may have taken a few megabytes, but the 1 GiB body was not drained.
        long sent = origin.bodyBytesSent() - before;
        assertTrue(sent < 64 << 20, "origin sent " + sent + " bytes");
    }

    @Test
    void failsWithAKindTheWorkersCanReport() {
        assertKind(FetchException.Kind.HTTP_STATUS, program(Op.ADD, "/status/404", 0, 10));
        assertKind(FetchException.Kind.HTTP_STATUS, program(Op.ADD, "/status/500", 0, 10));
        assertKind(FetchException.Kind.HTTP_STATUS, program(Op.ADD, "/redirect/4/ranged/tiny", 0, 10));
        assertKind(FetchException.Kind.TOO_LARGE, program(Op.ADD, "/ranged/obj", 0, 5 << 20));
        assertKind(FetchException.Kind.TIMEOUT, program(Op.ADD, "/slow/tiny", 0, 10));
        assertKind(
                FetchException.Kind.IO,
                new Program(Op.ADD, 0, "http://127.0.0.1:1/x", null, 0, 1, OptionalLong.empty()));
    }

    @Test
    void aWindowWithoutALengthStopsAtTheLimit() throws Exception {
        try (WindowFetcher small = new WindowFetcher(
                new FetchLimits(1 << 20, Duration.ofSeconds(2), Duration.ofSeconds(5), 0), AddressPolicy.allowAll())) {
            for (String path : new String[] {"/ranged/obj", "/whole/obj"}) {
                FetchException e = assertThrows(
                        FetchException.class, () -> small.fetchAndExecute(program(Op.ADD, path, 0, Program.TO_END)));
                assertEquals(FetchException.Kind.TOO_LARGE, e.kind(), e.getMessage());
            }
        }
    }

    @Test
    void refusedAddressesAreNeverContacted() throws Exception {
        long before = origin.requests();
        try (WindowFetcher strict =
                new WindowFetcher(FetchLimits.defaults(), (host, address) -> !address.isLoopbackAddress())) {
            FetchException e = assertThrows(
                    FetchException.class, () -> strict.fetchAndExecute(program(Op.ADD, "/ranged/tiny", 0, 3)));
            assertEquals(FetchException.Kind.ADDRESS_REFUSED, e.kind());
        }
        assertEquals(before, origin.requests());
    }

    @Test
    void theDefaultPolicyRefusesLoopbackUnlessAllowListed() throws Exception {
        try (WindowFetcher strict = new WindowFetcher(FetchLimits.defaults(), PublicAddressPolicy.strict());
                WindowFetcher allowing =
                        new WindowFetcher(FetchLimits.defaults(), PublicAddressPolicy.allowing("127.0.0.1"))) {
            Program p = program(Op.CRC32C, "/ranged/tiny", 0, 10);
            assertEquals(
                    FetchException.Kind.ADDRESS_REFUSED,
                    assertThrows(FetchException.class, () -> strict.fetchAndExecute(p))
                            .kind());
            assertEquals(Kernel.execute(p, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), allowing.fetchAndExecute(p));
        }
    }

    @Test
    void everyRedirectHopIsCheckedAgain() throws Exception {
        // The origin on 127.0.0.1 is allowed; it redirects to 127.0.0.3, loopback too but not
        // allowed, so the second hop must be refused before any request is sent.
        try (WindowFetcher allowing =
                new WindowFetcher(FetchLimits.defaults(), PublicAddressPolicy.allowing("127.0.0.1"))) {
            long before = origin.requests();
            Program p = new Program(Op.ADD, 0, origin.url("/away/" + "127.0.0.3"), null, 0, 3, OptionalLong.empty());
            FetchException e = assertThrows(FetchException.class, () -> allowing.fetchAndExecute(p));
            assertEquals(FetchException.Kind.ADDRESS_REFUSED, e.kind(), e.getMessage());
            assertEquals(before + 1, origin.requests(), "the first hop was served, the second never sent");
        }
    }

    /**
     * A job's deadline bounds the whole fetch, and the exchange is aborted, not drained: an origin
     * sending a byte a second (60 s of body) or nothing at all is given up on at the deadline,
     * and the trickling one sees its client hang up right then.
     */
    @Test
    void theDeadlineBoundsTheWholeFetchAndAbortsWithoutDraining() throws Exception {
        byte[] minute = new byte[60];
        try (RangeOrigin slow = new RangeOrigin();
                WindowFetcher patient = new WindowFetcher(
                        new FetchLimits(1 << 20, Duration.ofSeconds(5), Duration.ofSeconds(60), 3),
                        AddressPolicy.allowAll())) {
            slow.put("minute", minute);
            for (String path : new String[] {"/trickle/1000/minute", "/stall/minute"}) {
                Program p = new Program(Op.ADD, 0, slow.url(path), null, 0, 60, OptionalLong.empty());
                long start = System.nanoTime();
                FetchException e =
                        assertThrows(FetchException.class, () -> patient.fetchAndExecute(p, Duration.ofMillis(1500)));
                long tookMs = (System.nanoTime() - start) / 1_000_000;
                assertEquals(FetchException.Kind.TIMEOUT, e.kind(), path + ": " + e.getMessage());
                assertTrue(tookMs < 1500 + GRACE_MS, path + " gave up after " + tookMs + " ms");
            }
            long sent = slow.trickleEnded.get(GRACE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
            assertTrue(sent < 10, "the trickling origin sent " + sent + " of 60 bytes before its client hung up");
        }
    }

    /**
     * A connection that is never accepted: a loopback listener that never calls accept, its
     * backlog filled first, so the kernel drops the fetcher's SYNs and its connect hangs.
     */
    @Test
    void theDeadlineBoundsAConnectThatHangs() throws Exception {
        try (java.net.ServerSocket deaf = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                WindowFetcher patient = new WindowFetcher(
                        new FetchLimits(1 << 20, Duration.ofSeconds(30), Duration.ofSeconds(60), 3),
                        AddressPolicy.allowAll())) {
            java.util.List<java.net.Socket> filling = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    java.net.Socket s = new java.net.Socket();
                    try {
                        s.connect(deaf.getLocalSocketAddress(), 200);
                        filling.add(s);
                    } catch (java.io.IOException full) {
                        s.close();
                        break; // the backlog is full: the next connect hangs too
                    }
                }
                Program p = new Program(
                        Op.ADD, 0, "http://127.0.0.1:" + deaf.getLocalPort() + "/x", null, 0, 10, OptionalLong.empty());
                long start = System.nanoTime();
                FetchException e =
                        assertThrows(FetchException.class, () -> patient.fetchAndExecute(p, Duration.ofMillis(1500)));
                long tookMs = (System.nanoTime() - start) / 1_000_000;
                assertEquals(FetchException.Kind.TIMEOUT, e.kind(), e.getMessage());
                assertTrue(tookMs < 1500 + GRACE_MS, "gave up after " + tookMs + " ms");
            } finally {
                for (java.net.Socket s : filling) {
                    s.close();
                }
            }
        }
    }

    /** Scheduling slack allowed past a deadline on a busy 2-core machine; the old code took ~60 s. */
    private static final long GRACE_MS = 3000;

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/location/gopher%3A%2F%2F127.0.0.1%2Fx | a redirect to gopher",
                "/location/ftp%3A%2F%2F127.0.0.1%2Fx | a redirect to ftp",
                "/location/http%3A%2F%2F%5B%3A%3A1 | a malformed Location",
                "/location/http%3A%2F%2F%2Fno-host | a Location without a host",
                "/content-range/bytes%200-9%2F99999999999999999999999/tiny | a Content-Range past 2^63",
                "/content-range/bytes%205-2%2F10/tiny | an impossible Content-Range",
                "/content-range/bytes%200-3%2F10/tiny | a range short of the window",
                "/content-range/bytes%202-9%2F10/tiny | a range starting after the window",
            })
    void aMalformedReplyIsTheOriginsFaultNeverAnInternalError(String path, String what) {
        FetchException e =
                assertThrows(FetchException.class, () -> fetcher.fetchAndExecute(program(Op.ADD, path, 0, 10)));
        assertEquals(FetchException.Kind.BAD_REPLY, e.kind(), what + ": " + e.getMessage());
    }

    /**
     * A redirect to an IPv4 host in a non-canonical spelling is refused as a program naming it
     * would be: Java would connect to 177.0.0.1 where the Worker and browsers read 127.0.0.1. The
     * fetcher here may reach loopback only, so even a wrong refusal could send nothing elsewhere.
     */
    @Test
    void aRedirectToANonCanonicalIpv4HostIsRefused() throws Exception {
        try (WindowFetcher loopbackOnly =
                new WindowFetcher(FetchLimits.defaults(), (host, address) -> address.isLoopbackAddress())) {
            for (String location :
                    new String[] {"http%3A%2F%2F0177.0.0.1%2Fo", "http%3A%2F%2F2130706433%2Fo", "http%3A%2F%2F127.1%2Fo"
                    }) {
                FetchException e = assertThrows(
                        FetchException.class,
                        () -> loopbackOnly.fetchAndExecute(program(Op.ADD, "/location/" + location, 0, 10)));
                assertEquals(FetchException.Kind.BAD_REPLY, e.kind(), location + ": " + e.getMessage());
            }
        }
    }

    /**
     * A probe wants an answer's headers, not its body, and drops the connection once it has them.
     * The stalling origin answers the one-byte range with the headers of the whole object and
     * never sends a byte of it: the probe has what it needs, whenever (or whether) the body arrives.
     */
    @Test
    void aProbeNeedsNoByteOfTheBody() throws Exception {
        ObjectSize size = fetcher.probe(origin.url("/stall/tiny"), Duration.ofSeconds(5));
        assertEquals(10, size.bytes());
        assertTrue(size.ranges());
        assertEquals("\"tiny-stall\"", size.etag());
    }

    /** A redirect's body is not wanted either: the window is read from where it leads, body or not. */
    @Test
    void aRedirectNeedsNoByteOfItsBody() throws Exception {
        String to = java.net.URLEncoder.encode(origin.url("/ranged/tiny"), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(
                fetcher.fetchAndExecute(program(Op.ADD, "/ranged/tiny", 2, 5)),
                fetcher.fetchAndExecute(program(Op.ADD, "/stalled-location/" + to, 2, 5)));
    }

    @Test
    void aBodyShorterThanItsContentRangeIsAFailureThatMayPass() {
        // 206 announcing 0-19 of 20 while the body holds the 10 bytes of tiny.
        FetchException e = assertThrows(
                FetchException.class,
                () -> fetcher.fetchAndExecute(program(Op.ADD, "/content-range/bytes%200-19%2F20/tiny", 0, 20)));
        assertTrue(e.kind() == FetchException.Kind.IO && e.transientFailure(), e.kind() + ": " + e.getMessage());
    }

    /**
     * Programs pinned to a version, against the versioned origin: an object replaced after a
     * number of reads, in each way an origin tells versions (docs/kernel.md#versions).
     */
    @org.junit.jupiter.api.Nested
    class Versions {
        private static final int SIZE = OBJECT.length;

        private byte[] version2() {
            byte[] v2 = new byte[SIZE];
            for (int i = 0; i < SIZE; i++) {
                v2[i] = (byte) ~OBJECT[i];
            }
            return v2;
        }

        private Program pinned(String mode, int flipAfter, Op op, long offset, long length) throws FetchException {
            String url = origin.url("/versioned/" + mode + "/" + flipAfter + "/obj");
            ObjectSize probed = fetcher.probe(url, Duration.ofSeconds(2));
            return new Program(op, 0x33, url, null, offset, length, OptionalLong.empty(), probed.version());
        }

        @ParameterizedTest(name = "{0}")
        @org.junit.jupiter.params.provider.ValueSource(strings = {"strong", "weak", "date", "ignoring"})
        void theWindowsBeforeTheFlipAreReadAndTheOneAfterIsRefused(String mode) throws Exception {
            int flipAfter = 3;
            Program first = pinned(mode, flipAfter, Op.CRC32C, 0, 100_000);
            assertTrue(first.version().validated(), mode + " pins a validator: " + first.version());
            assertEquals(SIZE, first.version().size());
            for (int i = 0; i < flipAfter; i++) {
                Program window = first.withWindow(i * 100_000L, 100_000);
                assertEquals(Kernel.execute(window, OBJECT), fetcher.fetchAndExecute(window), mode + " window " + i);
            }
            Program late = first.withWindow(flipAfter * 100_000L, 100_000);
            FetchException e = assertThrows(FetchException.class, () -> fetcher.fetchAndExecute(late));
            assertEquals(FetchException.Kind.OBJECT_CHANGED, e.kind(), e.getMessage());
            assertTrue(
                    e.getMessage()
                            .contains(
                                    first.version().etag() != null
                                            ? first.version().etag()
                                            : first.version().lastModified()),
                    "the message names the version the program pins: " + e.getMessage());
            long[] gets = origin.versionedGets(mode, flipAfter, "obj");
            assertEquals(flipAfter, gets[0], "windows answered from version 1");
        }

        @Test
        void thePreconditionIsSentAndAnOriginHonouringItAnswers412() throws Exception {
            Program p = pinned("strong", 0, Op.ADD, 10, 10); // version 2 from the first GET on
            Program stale = p.withVersion(new dev.packetfs.kernel.ObjectVersion("\"obj-v1\"", null, SIZE));
            FetchException e = assertThrows(FetchException.class, () -> fetcher.fetchAndExecute(stale));
            assertEquals(FetchException.Kind.OBJECT_CHANGED, e.kind());
            assertTrue(e.getMessage().contains("412"), e.getMessage());
            assertEquals("\"obj-v1\"", origin.lastHeaders.get("if-match"));
            Program dated = pinned("date", 0, Op.ADD, 10, 10);
            fetcher.fetchAndExecute(dated);
            assertEquals(dated.version().lastModified(), origin.lastHeaders.get("if-unmodified-since"));
        }

        @Test
        void aRedirectHopCarriesThePreconditionToo() throws Exception {
            Program p = pinned("strong", 1000, Op.XOR, 0, 4096);
            Program redirected = new Program(
                    Op.XOR,
                    0x33,
                    origin.url("/redirect/2/versioned/strong/1000/obj"),
                    null,
                    0,
                    4096,
                    OptionalLong.empty(),
                    p.version());
            assertEquals(Kernel.execute(redirected, OBJECT), fetcher.fetchAndExecute(redirected));
            assertEquals(p.version().etag(), origin.lastHeaders.get("if-match"));
        }

        @Test
        void withoutAValidatorOnlyTheSizeIsPinnedAndASameSizeReplacementCannotBeSeen() throws Exception {
            Program p = pinned("none", 1, Op.CRC32C, 0, 1000);
            assertEquals(new dev.packetfs.kernel.ObjectVersion(null, null, SIZE), p.version());
            assertEquals(Kernel.execute(p, OBJECT), fetcher.fetchAndExecute(p));
            // Version 2 has the same size: nothing tells it from version 1, and its bytes are read.
            assertEquals(Kernel.execute(p, version2()), fetcher.fetchAndExecute(p));
        }

        @Test
        void aSizeThatChangesIsSeenWithoutAValidator() throws Exception {
            origin.put("grown", OBJECT);
            origin.put("grown@2", java.util.Arrays.copyOf(OBJECT, SIZE + 1));
            String url = origin.url("/versioned/none/1/grown");
            Program p = new Program(
                    Op.CRC32C,
                    0,
                    url,
                    null,
                    0,
                    1000,
                    OptionalLong.empty(),
                    fetcher.probe(url, Duration.ofSeconds(2)).version());
            assertEquals(Kernel.execute(p, OBJECT), fetcher.fetchAndExecute(p));
            assertEquals(
                    FetchException.Kind.OBJECT_CHANGED,
                    assertThrows(FetchException.class, () -> fetcher.fetchAndExecute(p))
                            .kind());
        }

        @Test
        void aWindowPastTheEndOfThePinnedVersionIsEmptyAndChecked() throws Exception {
            Program p = pinned("strong", 1000, Op.ADD, SIZE + 10, 10);
            assertEquals(0, fetcher.fetchAndExecute(p).bytesProcessed());
            Program other = p.withVersion(new dev.packetfs.kernel.ObjectVersion(null, null, SIZE - 1));
            assertEquals(
                    FetchException.Kind.OBJECT_CHANGED,
                    assertThrows(FetchException.class, () -> fetcher.fetchAndExecute(other))
                            .kind());
        }

        @Test
        void anAnswerWithoutThePinnedHeaderCannotBeChecked() throws Exception {
            Program p = new Program(
                    Op.ADD,
                    0,
                    origin.url("/ranged/obj"),
                    null,
                    0,
                    10,
                    OptionalLong.empty(),
                    new dev.packetfs.kernel.ObjectVersion("\"x\"", null, SIZE));
            FetchException e = assertThrows(FetchException.class, () -> fetcher.fetchAndExecute(p));
            assertEquals(FetchException.Kind.BAD_REPLY, e.kind(), e.getMessage());
            assertTrue(!e.transientFailure());
        }
    }

    private static void assertKind(FetchException.Kind kind, Program program) {
        FetchException e = assertThrows(FetchException.class, () -> fetcher.fetchAndExecute(program));
        assertEquals(kind, e.kind(), e.getMessage());
    }
}
