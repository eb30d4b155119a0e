package dev.packetfs.client;

import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * The dispatcher answered with an error: its status, the API's {@code error} message (or AWS's
 * {@code Message} when a function URL refused the request itself), the {@code field} at fault
 * when the API names one, and {@code Retry-After} when the answer carries it. Each status the API
 * documents has its subclass (docs/http-api.md#errors); another status is this class itself.
 * Statuses are mapped to types here, in {@link #from}, and nowhere else.
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
        ErrorAnswer a = ErrorAnswer.of(status, headers, body);
        return switch (status) {
            case 400 -> new BadRequestException(a);
            case 401 -> new UnauthorizedException(a);
            case 403 -> new ForbiddenException(a);
            case 404 -> new NotFoundException(a);
            case 408 -> new RequestTimeoutException(a);
            case 409 -> new ConflictException(a);
            case 413 -> new PayloadTooLargeException(a);
            case 415 -> new UnsupportedMediaTypeException(a);
            case 429 -> new TooManyRequestsException(a);
            case 500 -> new InternalServerErrorException(a);
            case 503 -> new ServiceUnavailableException(a);
            default -> new PacketfsException(a);
        };
    }

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
