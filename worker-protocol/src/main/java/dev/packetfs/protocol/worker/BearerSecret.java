package dev.packetfs.protocol.worker;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;

/**
 * A shared secret presented as {@code Authorization: Bearer <secret>}: the worker token, the
 * dispatcher's API key. The scheme is matched in any case (RFC 7235 §2.1), the secret in constant
 * time, so an answer's timing does not tell how much of a guess was right.
 */
public final class BearerSecret {
    private final byte[] secret;

    public BearerSecret(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@code authorization} (the header's value, or null) presents this secret. */
    public boolean presentedIn(String authorization) {
        String credentials = credentials(authorization);
        return credentials != null && MessageDigest.isEqual(secret, credentials.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The credentials of {@code Authorization: Bearer <credentials>}, or null for a missing header,
     * another scheme, or no credentials.
     */
    public static String credentials(String authorization) {
        if (authorization == null) {
            return null;
        }
        String header = authorization.strip();
        int space = header.indexOf(' ');
        if (space < 0 || !header.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            return null;
        }
        String credentials = header.substring(space + 1).strip();
        return credentials.isEmpty() ? null : credentials;
    }
}
