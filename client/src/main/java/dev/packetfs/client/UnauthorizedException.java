package dev.packetfs.client;

/** 401: the API key is missing or wrong (the dispatcher has {@code PACKETFS_API_KEY} set). */
public final class UnauthorizedException extends PacketfsException {
    UnauthorizedException(ErrorAnswer answer) {
        super(answer);
    }
}
