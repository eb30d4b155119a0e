package dev.packetfs.dispatch.queue;

/**
 * The queue is at its quota (jobs waiting, or inline bytes waiting): nothing of this submission was
 * queued. The caller may try again once the backlog has drained (the HTTP API answers 429 with
 * {@code Retry-After}).
 */
public class QueueFullException extends RuntimeException {

    public QueueFullException(String message) {
        super(message, null, false, false);
    }
}
