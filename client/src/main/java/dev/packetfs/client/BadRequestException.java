package dev.packetfs.client;

/** 400: a malformed or invalid job, batch, id or parameter; nothing was queued. {@link #field()} names the field at fault. */
public final class BadRequestException extends PacketfsException {
    BadRequestException(ErrorAnswer answer) {
        super(answer);
    }
}
