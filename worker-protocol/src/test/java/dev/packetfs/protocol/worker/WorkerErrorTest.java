package dev.packetfs.protocol.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Java workers speak exactly the vocabulary of worker-errors.json, the Cloudflare Worker's too. */
class WorkerErrorTest {

    @Test
    void everyCodeOfTheTableWithItsStatus() throws Exception {
        JsonNode table;
        try (InputStream in = WorkerError.class.getResourceAsStream(WorkerError.RESOURCE)) {
            table = new ObjectMapper().readTree(in);
        }
        Set<WorkerError> seen = EnumSet.noneOf(WorkerError.class);
        for (JsonNode entry : table.get("errors")) {
            WorkerError error = WorkerError.fromCode(entry.get("code").asText());
            assertNotNull(error, entry.toString());
            assertEquals(entry.get("status").asInt(), error.httpStatus(), error.code());
            seen.add(error);
        }
        assertEquals(EnumSet.allOf(WorkerError.class), seen);
    }

    @Test
    void statusesTellAnAdapterWhatToDo() {
        assertEquals(400, WorkerError.ADDRESS_REFUSED.httpStatus(), "the job's fault, not the adapter's credentials");
        assertEquals(429, WorkerError.BUSY.httpStatus());
        assertEquals(true, WorkerError.BUSY.transientFailure());
        assertEquals(false, WorkerError.ORIGIN_REJECTED.transientFailure());
    }
}
