package dev.packetfs.client;

/** 413: the request body is larger than the dispatcher takes. */
public final class PayloadTooLargeException extends PacketfsException {
    PayloadTooLargeException(ErrorAnswer answer) {
        super(answer);
    }
}
