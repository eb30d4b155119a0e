package dev.packetfs.dispatch.queue;

/**
 * The queue's store could not be reached, or did not answer in time. Nothing is known to have been
 * queued or stored; the caller may try again (the HTTP API answers 503).
 */
public class QueueUnavailableException extends RuntimeException {

    public QueueUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
