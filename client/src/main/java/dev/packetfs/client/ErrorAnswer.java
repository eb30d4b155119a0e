package dev.packetfs.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * What an error answer says: the API's {@code {"error", "field"}} body (docs/http-api.md#errors),
 * or AWS's own {@code {"Message": "Forbidden"}} from a function URL that refused the request, and
 * the {@code Retry-After} header in seconds or as an HTTP date.
 */
record ErrorAnswer(int status, String message, String field, Duration retryAfter, String body) {

    /** The header that says how long to wait; the document names it on 429 and 503. */
    static final String RETRY_AFTER = "Retry-After";

    static ErrorAnswer of(int status, HttpHeaders headers, String body) {
        String text = body == null ? "" : body;
        return of(status, headers, text, parse(text));
    }

    /** What {@code text}, read as {@code json} (null when it is not JSON), says. */
    static ErrorAnswer of(int status, HttpHeaders headers, String text, JsonNode json) {
        String message = textual(json, "error");
        if (message == null) {
            message = textual(json, "Message"); // AWS: a function URL's own refusals
        }
        if (message == null) {
            message = text.isBlank() ? "HTTP " + status : text.strip();
        }
        return new ErrorAnswer(
                status,
                message,
                textual(json, "field"),
                headers.firstValue(RETRY_AFTER).map(ErrorAnswer::retryAfter).orElse(null),
                text);
    }

    /** Seconds (RFC 9110 delay-seconds) or an HTTP date; null when it is neither. */
    static Duration retryAfter(String value) {
        String v = value.strip();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                Duration d = Duration.between(Instant.now(), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    private static JsonNode parse(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException notJson) {
            return null;
        }
    }

    private static String textual(JsonNode json, String name) {
        return json == null ? null : Json.text(json, name).orElse(null);
    }
}
