package dev.packetfs.client;

/** 429: the queue is at its quota and nothing of the submission was queued; {@link #retryAfter()} says when to try again. */
public final class TooManyRequestsException extends PacketfsException {
    TooManyRequestsException(ErrorAnswer answer) {
        super(answer);
    }
}
