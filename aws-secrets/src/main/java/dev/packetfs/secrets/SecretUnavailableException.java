package dev.packetfs.secrets;

/** A secret could not be read from Secrets Manager, or holds nothing usable; the message says which and why. */
public class SecretUnavailableException extends RuntimeException {

    public SecretUnavailableException(String message) {
        super(message);
    }

    public SecretUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
