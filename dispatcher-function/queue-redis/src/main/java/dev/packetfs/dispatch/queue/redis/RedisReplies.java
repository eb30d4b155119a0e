package dev.packetfs.dispatch.queue.redis;

import dev.packetfs.dispatch.queue.QueueUnavailableException;
import io.lettuce.core.RedisException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waiting for Redis's replies, for the queue's blocking methods. Whatever keeps Redis from
 * answering (a lost connection, a timeout, a server refusing commands while it loads or is out of
 * memory) leaves this package as the core's {@link QueueUnavailableException}, never as a Lettuce
 * type.
 */
final class RedisReplies {
    static final long TIMEOUT_SECONDS = 30;

    private RedisReplies() {}

    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QueueUnavailableException("interrupted waiting for Redis", e);
        } catch (ExecutionException e) {
            throw unavailable(e.getCause());
        } catch (TimeoutException e) {
            throw new QueueUnavailableException("Redis did not answer within " + TIMEOUT_SECONDS + " s", e);
        }
    }

    /** The failure as the core sees it: Redis errors become {@link QueueUnavailableException}. */
    static RuntimeException unavailable(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof QueueUnavailableException q) {
            return q;
        }
        if (cause instanceof RedisException) {
            return new QueueUnavailableException("Redis: " + cause.getMessage(), cause);
        }
        return cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
    }
}
