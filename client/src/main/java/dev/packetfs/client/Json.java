package dev.packetfs.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigDecimal;
import java.util.Optional;

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

    /** A text field; empty when it is absent, null or not text. */
    static Optional<String> text(JsonNode json, String name) {
        JsonNode v = json.get(name);
        return v != null && v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
    }

    /** A number field as it was written; 0 when it is absent or not a number. */
    static BigDecimal decimal(JsonNode json, String name) {
        JsonNode v = json.path(name);
        return v.isNumber() ? v.decimalValue() : BigDecimal.ZERO;
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write as JSON: " + e.getMessage(), e);
        }
    }
}
