package dev.packetfs.client;

/** 404: no such job ({@code field} {@code job_id}) or dead letter ({@code id}). */
public final class NotFoundException extends PacketfsException {
    NotFoundException(ErrorAnswer answer) {
        super(answer);
    }
}
