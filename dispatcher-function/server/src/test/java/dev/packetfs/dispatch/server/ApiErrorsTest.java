package dev.packetfs.dispatch.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.packetfs.dispatch.api.ApiErrors;
import dev.packetfs.dispatch.queue.QueueFullException;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

/** A full queue is answered 429 with Retry-After and the queue's own message. */
class ApiErrorsTest {

    @Test
    void aFullQueueIs429WithRetryAfter() {
        Response r = new ApiErrors().queueFull(new QueueFullException("the queue is full: it holds 100000 jobs"));
        assertEquals(429, r.getStatus());
        assertEquals("5", r.getHeaderString("Retry-After"));
        assertEquals("application/json", r.getMediaType().toString());
        JsonNode body = (JsonNode) r.getEntity();
        assertEquals(
                "the queue is full: it holds 100000 jobs", body.path("error").asText());
        assertEquals(1, body.size(), body.toString());
    }
}
