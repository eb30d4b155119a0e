package dev.packetfs.client;

import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The dispatcher answered with an error: its status, the API's {@code error} message (or AWS's
 * {@code Message} when a function URL refused the request itself), the {@code field} at fault
 * when the API names one, and {@code Retry-After} when the answer carries it. Each status the API
 * documents (docs/http-api.md#errors, docs/openapi.yaml) has its subclass; another status is this
 * class itself. Statuses are mapped to types here, in {@link #TYPED}, and nowhere else.
 */
public class PacketfsException extends RuntimeException {
    private final transient ErrorAnswer answer;

    PacketfsException(ErrorAnswer answer) {
        super(answer.message());
        this.answer = answer;
    }

    /** The typed exception for an error answer; for callers of {@link PacketfsClient#exchange}. */
    public static PacketfsException from(HttpResponse<String> response) {
        return from(response.statusCode(), response.headers(), response.body());
    }

    /** The typed exception for an answer's status, headers and body. */
    public static PacketfsException from(int status, HttpHeaders headers, String body) {
        return TYPED.getOrDefault(status, PacketfsException::new).apply(ErrorAnswer.of(status, headers, body));
    }

    /** Each status the API documents (docs/openapi.yaml) and the type of its exception. */
    static final Map<Integer, Function<ErrorAnswer, PacketfsException>> TYPED = Map.ofEntries(
            Map.entry(400, BadRequestException::new),
            Map.entry(401, UnauthorizedException::new),
            Map.entry(403, ForbiddenException::new),
            Map.entry(404, NotFoundException::new),
            Map.entry(408, RequestTimeoutException::new),
            Map.entry(409, ConflictException::new),
            Map.entry(413, PayloadTooLargeException::new),
            Map.entry(415, UnsupportedMediaTypeException::new),
            Map.entry(429, TooManyRequestsException::new),
            Map.entry(500, InternalServerErrorException::new),
            Map.entry(503, ServiceUnavailableException::new));

    /** The HTTP status of the answer. */
    public int status() {
        return answer.status();
    }

    /** The field at fault, as the API names it ({@code program.imm}, {@code [3].job_id}, {@code id}, {@code range}). */
    public Optional<String> field() {
        return Optional.ofNullable(answer.field());
    }

    /** How long the dispatcher asks to wait before trying again (429, 503). */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(answer.retryAfter());
    }

    /** The answer's body as the dispatcher wrote it. */
    public String body() {
        return answer.body();
    }
}
