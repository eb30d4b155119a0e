package dev.packetfs.client;

/** 409: a job running or finished cannot be cancelled; a dead letter that cannot run again cannot be requeued. */
public final class ConflictException extends PacketfsException {
    ConflictException(ErrorAnswer answer) {
        super(answer);
    }
}
