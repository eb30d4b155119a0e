package dev.packetfs.client;

/** 415: a {@code POST} without a JSON {@code Content-Type}. */
public final class UnsupportedMediaTypeException extends PacketfsException {
    UnsupportedMediaTypeException(ErrorAnswer answer) {
        super(answer);
    }
}
