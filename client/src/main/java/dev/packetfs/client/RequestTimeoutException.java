package dev.packetfs.client;

/** 408: the request body did not arrive within the dispatcher's body timeout. */
public final class RequestTimeoutException extends PacketfsException {
    RequestTimeoutException(ErrorAnswer answer) {
        super(answer);
    }
}
