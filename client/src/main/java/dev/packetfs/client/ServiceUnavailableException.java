package dev.packetfs.client;

/** 503: the queue (Redis) does not answer, or a Lambda dispatcher cannot read a secret it needs; {@link #retryAfter()} says when to try again when the answer carries it. */
public final class ServiceUnavailableException extends PacketfsException {
    ServiceUnavailableException(ErrorAnswer answer) {
        super(answer);
    }
}
