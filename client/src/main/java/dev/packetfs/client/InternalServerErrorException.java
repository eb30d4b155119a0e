package dev.packetfs.client;

/** 500: a failure the dispatcher did not expect; its log has the details. */
public final class InternalServerErrorException extends PacketfsException {
    InternalServerErrorException(ErrorAnswer answer) {
        super(answer);
    }
}
