package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.packetfs.dispatch.job.JobJson;
import dev.packetfs.kernel.Kernel;
import dev.packetfs.kernel.KernelResult;
import dev.packetfs.kernel.Op;
import dev.packetfs.kernel.Program;
import dev.packetfs.testing.RangeOrigin;
import dev.packetfs.testing.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exact means exact (docs/jobs.md#one-version-of-the-object): fan-out jobs over an object replaced
 * while they run, through the real dispatcher ({@code pfs serve}) and its local substrate, on a
 * real redis-server and on the in-memory queue. The loopback origin replaces the object after a
 * number of reads, in each way an origin tells versions (RangeOrigin's {@code /versioned/}). No
 * run may answer with a mix of versions: it answers for one version whole, or fails saying so.
 */
class VersionedFanOutIT {
    static final int WINDOW = 64 * 1024;
    static final int WINDOWS = 24;
    static final byte[] V1 = new byte[WINDOW * WINDOWS];
    static final byte[] V2 = new byte[V1.length];
    static RangeOrigin origin;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        new SplittableRandom(20).nextBytes(V1);
        for (int i = 0; i < V1.length; i++) {
            V2[i] = (byte) ~V1[i];
        }
        origin = new RangeOrigin();
        origin.put("obj", V1);
        origin.put("grows", V1);
        origin.put("grows@2", java.util.Arrays.copyOf(V1, V1.length + 1));
    }

    @AfterAll
    static void stop() {
        origin.close();
    }

    static KernelResult singlePass(Op op, byte[] object) {
        return Kernel.execute(
                new Program(op, 0, "http://o.example/x", null, 0, Program.TO_END, OptionalLong.empty()), object);
    }

    /** The same cases on each queue: a subclass starts its dispatcher. */
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    abstract static class Cases {
        DispatcherProcess dispatcher;
        /** Keeps every test's origin path its own: the origin counts reads per path. */
        int unique;

        abstract DispatcherProcess startDispatcher() throws Exception;

        @BeforeAll
        void up() throws Exception {
            dispatcher = startDispatcher();
        }

        @AfterAll
        void down() throws Exception {
            if (dispatcher != null) {
                dispatcher.close();
            }
        }

        String url(String mode, int flipAfter, String name) {
            return origin.url("/versioned/" + mode + "/" + flipAfter + "/" + name) + "?t="
                    + getClass().getSimpleName() + unique++;
        }

        JsonNode run(String id, Op op, String url, String extra) throws Exception {
            String job = "{\"job_id\":\"" + id + "\",\"program\":{\"op\":\"" + op.wireName() + "\",\"data_url\":\""
                    + url + "\"},\"window_bytes\":" + WINDOW + extra + "}";
            HttpResponse<String> posted = HTTP.send(
                    HttpRequest.newBuilder(URI.create(dispatcher.url() + "/jobs"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(job))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(202, posted.statusCode(), posted.body());
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create(dispatcher.url() + "/results/" + id))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return JobJson.readTree(r.body());
                }
                Thread.sleep(25);
            }
            throw new AssertionError("no result for " + id + "\n" + dispatcher.log());
        }

        static void assertFailedSayingItChanged(JsonNode r, String planned) {
            assertEquals("failed", r.get("status").asText(), r.toString());
            assertTrue(r.get("result").isNull(), "nothing merged is stored: " + r);
            String error = r.get("error").asText();
            assertTrue(error.startsWith("the object changed while the job ran: the plan read " + planned), error);
            assertTrue(error.contains("windows had been read, and nothing was merged"), error);
        }

        static void assertAnswersFor(JsonNode r, Op op, byte[] version) {
            assertEquals("succeeded", r.get("status").asText(), r.toString());
            assertEquals(singlePass(op, version), KernelResult.fromJson(op, r.get("result")));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"strong", "date", "weak", "ignoring"})
        void anObjectReplacedMidJobFailsItSayingWhatThePlanReadAndWhatWasFound(String mode) throws Exception {
            JsonNode r = run("replaced-" + mode, Op.CRC32C, url(mode, 9, "obj"), "");
            String planned = switch (mode) {
                case "strong", "ignoring" -> "ETag \"obj-v1\"";
                case "weak" -> "ETag W/\"obj-v1\"";
                default -> "Last-Modified Sun, 06 Dec 2026 00:00:01 GMT";
            };
            assertFailedSayingItChanged(r, planned + ", " + V1.length + " bytes");
            String found = mode.equals("date") ? "Sun, 06 Dec 2026 00:00:02 GMT" : "obj-v2";
            assertTrue(r.get("error").asText().contains(found), "the error names what was found: " + r.get("error"));
            assertEquals("verified", r.get("summary").get("consistency").asText());
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"crc32c", "fnv64"})
        void onChangeRestartAnswersForTheNewVersionWhole(String opName) throws Exception {
            Op op = Op.fromWireName(opName);
            JsonNode r = run(
                    "restart-" + opName,
                    op,
                    url("strong", op == Op.FNV64 ? 5 : 9, "obj"),
                    ",\"on_change\":\"restart\"");
            assertAnswersFor(r, op, V2);
            assertEquals(1, r.get("summary").get("restarts").asInt());
            assertEquals(
                    "\"obj-v2\"", r.get("summary").get("version").get("etag").asText());
            assertEquals(WINDOWS, r.get("summary").get("windows_done").asInt());
        }

        @Test
        void aChainedFnv64ReplacedMidChainFails() throws Exception {
            assertFailedSayingItChanged(
                    run("chain-changed", Op.FNV64, url("strong", 5, "obj"), ""),
                    "ETag \"obj-v1\", " + V1.length + " bytes");
        }

        @Test
        void anObjectThatIsNotReplacedAnswersForItsOneVersion() throws Exception {
            JsonNode r = run("unchanged", Op.ADD, url("strong", 1_000_000, "obj"), "");
            assertAnswersFor(r, Op.ADD, V1);
            assertEquals(
                    "\"obj-v1\"", r.get("summary").get("version").get("etag").asText());
        }

        @Test
        void withoutAValidatorAGrowingObjectIsSeenAndASameSizeReplacementIsCalledUnverified() throws Exception {
            assertFailedSayingItChanged(run("grown", Op.CRC32C, url("none", 9, "grows"), ""), V1.length + " bytes");
            JsonNode r = run("blind", Op.CRC32C, url("none", 9, "obj"), "");
            assertEquals("succeeded", r.get("status").asText(), r.toString());
            assertEquals(
                    "unverified",
                    r.get("summary").get("consistency").asText(),
                    "an origin with no validator cannot show a same-size replacement, and the result says so");
        }

        /**
         * The last window is held until its hedge asks for it; the hedge comes after the object
         * was replaced. Its read, pinned like the window's, cannot bring the new version in.
         */
        @Test
        void aHedgeAfterTheReplacementBringsNothingOfTheNewVersion() throws Exception {
            String url = url("strong", WINDOWS, "obj") + "&hold=" + (long) (WINDOWS - 1) * WINDOW;
            JsonNode r = run("hedged", Op.CRC32C, url, "");
            JsonNode summary = r.get("summary");
            assertTrue(summary.get("hedges").asInt() >= 1, "the held window was hedged: " + summary);
            if (r.get("status").asText().equals("succeeded")) {
                assertAnswersFor(r, Op.CRC32C, V1);
                assertEquals(0, summary.get("hedges_won").asInt(), "no hedge answered from the new version");
            } else {
                // A window slowed by load past the hedge delay can be hedged too, and then its
                // hedge's read replaces the object before some window is read: one version or nothing.
                assertFailedSayingItChanged(r, "ETag \"obj-v1\"");
            }
        }
    }

    static Map<String, String> env() {
        return Map.of(
                "PACKETFS_FETCH_ALLOW_HOSTS",
                "127.0.0.1",
                "PACKETFS_FANOUT_HEDGE_AFTER",
                "0.5",
                "PACKETFS_FANOUT_HEDGE_MIN_DELAY",
                "1s",
                "PACKETFS_FANOUT_HEDGE_FACTOR",
                "2");
    }

    @Nested
    class OnRedis extends Cases {
        RedisServer redis;

        @Override
        DispatcherProcess startDispatcher() throws Exception {
            redis = RedisServer.start();
            return DispatcherProcess.start("versions", redis.url(), env());
        }

        @Override
        @AfterAll
        void down() throws Exception {
            super.down();
            if (redis != null) {
                assertEquals("", redis.cli("KEYS", "packetfs:fanout:*"), "nothing of the parents is left");
                redis.close();
            }
        }
    }

    @Nested
    class InMemory extends Cases {
        @Override
        DispatcherProcess startDispatcher() throws Exception {
            return DispatcherProcess.start("versions-memory", "", env());
        }
    }
}
