package dev.packetfs.client;

/** 403: a Lambda function URL with {@code AWS_IAM} auth refused the request: it was not signed (SigV4), the signature does not hold, or the credentials may not {@code lambda:InvokeFunctionUrl}. The message is AWS's ({@code Forbidden}). */
public final class ForbiddenException extends PacketfsException {
    ForbiddenException(ErrorAnswer answer) {
        super(answer);
    }
}
