package dev.packetfs.protocol.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.protocol.fetch.FetchLimits;
import dev.packetfs.protocol.fetch.PublicAddressPolicy;
import dev.packetfs.protocol.fetch.WindowFetcher;
import dev.packetfs.testing.RangeOrigin;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ComputeWorkerIT {
    private static RangeOrigin origin;
    private static WindowFetcher fetcher;

    @BeforeAll
    static void start() throws Exception {
        origin = new RangeOrigin();
        origin.put("digits", "123456789".getBytes(StandardCharsets.US_ASCII));
        fetcher = new WindowFetcher(FetchLimits.defaults(), PublicAddressPolicy.allowing("127.0.0.1"));
    }

    @AfterAll
    static void stop() throws Exception {
        fetcher.close();
        origin.close();
    }

    private static ComputeWorker worker(int slots) {
        return new ComputeWorker(fetcher, new WorkerLimits(4096, Duration.ofSeconds(5), slots, 512), "test");
    }

    private static WorkerReply compute(ComputeWorker worker, String body) {
        return worker.compute(body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Against an origin sending a byte a second, the worker answers 504 by the job's timeout (plus
     * scheduling slack), and its one slot is free again at once for the next job.
     */
    @Test
    void anOriginTooSlowForTheJobsTimeoutIsGivenUpOnInTimeAndTheSlotFreed() {
        origin.put("minute", new byte[60]);
        ComputeWorker one = worker(1);
        long start = System.nanoTime();
        WorkerReply slow = compute(
                one,
                "{\"job_id\":\"t\",\"timeout_ms\":1500,\"program\":{\"op\":\"add\",\"data_url\":\""
                        + origin.url("/trickle/1000/minute") + "\"}}");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(504, slow.status(), slow.body().toString());
        assertEquals("origin_timeout", slow.body().get("error_code").asText());
        assertTrue(tookMs < 1500 + 3000, "answered after " + tookMs + " ms");
        WorkerReply next = compute(one, "{\"job_id\":\"n\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}}");
        assertEquals(200, next.status(), "the slot was free again: " + next.body());
    }

    @Test
    void computesInlineAndFetchedWindows() {
        WorkerReply inline =
                compute(worker(1), "{\"job_id\":\"a\",\"program\":{\"op\":\"crc32c\",\"data\":\"MTIzNDU2Nzg5\"}}");
        assertEquals(200, inline.status());
        assertEquals(3808858755L, inline.body().get("result").get("checksum").longValue());
        assertEquals("a", inline.body().get("job_id").asText());
        assertEquals(9, inline.body().get("bytes_processed").intValue());
        assertEquals("test", inline.body().get("location").asText());

        WorkerReply fetched = compute(
                worker(1),
                "{\"job_id\":\"b\",\"timeout_ms\":2000,\"program\":{\"op\":\"counteq\",\"imm\":53," + "\"data_url\":\""
                        + origin.url("/ranged/digits") + "\",\"offset\":2,\"length\":5}}");
        assertEquals(200, fetched.status(), fetched.body().toString());
        assertEquals(1, fetched.body().get("result").get("count").intValue());
        assertEquals(5, fetched.body().get("bytes_processed").intValue());
    }

    @Test
    void badInputIsA400NamingTheField() {
        assertBad("not json", "body is not valid JSON");
        assertBad("[1]", "body: must be a JSON object");
        assertBad("{\"program\":{\"op\":\"sha1\",\"data\":\"\"}}", "op: unknown op 'sha1'");
        assertBad("{\"program\":{\"op\":\"xor\",\"imm\":256,\"data\":\"\"}}", "imm:");
        assertBad("{\"timeout_ms\":-1,\"program\":{\"op\":\"xor\",\"data\":\"\"}}", "timeout_ms:");
        assertBad("{\"job_id\":7,\"program\":{\"op\":\"xor\",\"data\":\"\"}}", "job_id:");
        assertBad("{\"job_id\":\"x\"}", "program:");
    }

    private static void assertBad(String body, String messageStart) {
        WorkerReply reply = compute(worker(1), body);
        assertEquals(400, reply.status(), body);
        assertFalse(reply.body().get("success").booleanValue());
        assertEquals("bad_request", reply.body().get("error_code").asText());
        assertTrue(
                reply.body().get("error").asText().startsWith(messageStart),
                reply.body().toString());
    }

    @Test
    void oversizeBodyIsRefusedUnread() {
        String data = "A".repeat(8000);
        WorkerReply reply = compute(worker(1), "{\"program\":{\"op\":\"xor\",\"data\":\"" + data + "\"}}");
        assertEquals(413, reply.status());
        assertEquals("too_large", reply.body().get("error_code").asText());
    }

    @Test
    void refusedAddressesAndOriginFailuresUseTheSharedVocabulary() {
        ComputeWorker strict = new ComputeWorker(
                new WindowFetcher(FetchLimits.defaults(), PublicAddressPolicy.strict()),
                new WorkerLimits(4096, Duration.ofSeconds(5), 1, 512),
                "test");
        WorkerReply refused =
                compute(strict, "{\"program\":{\"op\":\"xor\",\"data_url\":\"" + origin.url("/ranged/digits") + "\"}}");
        assertEquals(400, refused.status());
        assertEquals("address_refused", refused.body().get("error_code").asText());

        WorkerReply missing = compute(
                worker(1), "{\"program\":{\"op\":\"xor\",\"data_url\":\"" + origin.url("/status/404/x") + "\"}}");
        assertEquals(
                "origin_rejected",
                missing.body().get("error_code").asText(),
                missing.body().toString());
        WorkerReply failing = compute(
                worker(1), "{\"program\":{\"op\":\"xor\",\"data_url\":\"" + origin.url("/status/503/x") + "\"}}");
        assertEquals(502, failing.status());
        WorkerReply slow = compute(
                worker(1),
                "{\"timeout_ms\":300,\"program\":{\"op\":\"xor\",\"data_url\":\"" + origin.url("/slow/digits")
                        + "\"}}");
        assertEquals(504, slow.status(), slow.body().toString());
        assertTrue(WorkerError.ORIGIN_TIMEOUT.transientFailure());
        assertFalse(WorkerError.ADDRESS_REFUSED.transientFailure());
    }

    @Test
    void aFullWorkerAnswersBusy() throws Exception {
        ComputeWorker worker = worker(1);
        long before = origin.requests();
        CompletableFuture<WorkerReply> slow = CompletableFuture.supplyAsync(() -> compute(
                worker,
                "{\"program\":{\"op\":\"xor\",\"data_url\":\"" + origin.url("/delay/1000/ranged/digits") + "\"}}"));
        // The slow job holds the one slot from before its request reaches the origin until the
        // origin answers, a second later: once the origin has the request, the slot is taken.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (origin.requests() == before && System.nanoTime() < until && !slow.isDone()) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        WorkerReply second = compute(worker, "{\"program\":{\"op\":\"xor\",\"data\":\"\"}}");
        assertEquals(
                429,
                second.status(),
                slow.isDone() ? slow.join().body().toString() : second.body().toString());
        assertEquals("busy", second.body().get("error_code").asText());
        assertEquals(200, slow.get(5, TimeUnit.SECONDS).status());
        assertEquals(
                200,
                compute(worker, "{\"program\":{\"op\":\"xor\",\"data\":\"\"}}").status());
    }

    @Test
    void healthListsCapabilities() {
        var health = worker(3).health();
        assertEquals("ok", health.get("status").asText());
        assertEquals(512, health.get("capabilities").get("max_memory_mb").intValue());
        assertEquals(5000, health.get("capabilities").get("max_duration_ms").intValue());
        assertEquals(5, health.get("capabilities").get("ops").size());
    }

    @Test
    void tokensAreRequiredLongAndComparedWhole() {
        assertThrows(IllegalStateException.class, () -> WorkerToken.require(null));
        assertThrows(IllegalStateException.class, () -> WorkerToken.require("  "));
        assertThrows(IllegalStateException.class, () -> WorkerToken.require("short"));
        WorkerToken token = WorkerToken.require("0123456789abcdef");
        assertTrue(token.accepts("Bearer 0123456789abcdef"));
        assertFalse(token.accepts("Bearer 0123456789abcde"));
        assertFalse(token.accepts("Bearer 0123456789abcdefX"));
        assertFalse(token.accepts("0123456789abcdef"));
        assertFalse(token.accepts(null));
    }
}
