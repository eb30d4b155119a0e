package dev.packetfs.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The client's one JSON mapper. Costs are read as BigDecimal: the API keeps them exact (docs/jobs.md). */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private Json() {}

    /** An answer the API documents as JSON; one that is not is the dispatcher's fault, not the caller's. */
    static JsonNode read(int status, String body) {
        try {
            return MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new PacketfsException(new ErrorAnswer(
                    status,
                    "the dispatcher answered " + status + " with a body that is not JSON: " + e.getOriginalMessage(),
                    null,
                    null,
                    body));
        }
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write as JSON: " + e.getMessage(), e);
        }
    }
}
