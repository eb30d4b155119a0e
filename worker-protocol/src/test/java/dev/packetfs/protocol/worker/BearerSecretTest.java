package dev.packetfs.protocol.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Reading the credentials of an Authorization header: the scheme in any case (RFC 7235), nothing else taken. */
class BearerSecretTest {

    @Test
    void bearerCredentialsAreReadWhateverTheSchemesCase() {
        assertEquals("k3y", BearerSecret.credentials("Bearer k3y"));
        assertEquals("k3y", BearerSecret.credentials("bearer k3y"));
        assertEquals("k3y", BearerSecret.credentials("BEARER k3y"));
        assertEquals("k3y", BearerSecret.credentials("  Bearer   k3y  "));
    }

    @Test
    void anythingElseHasNoCredentials() {
        assertNull(BearerSecret.credentials(null));
        assertNull(BearerSecret.credentials(""));
        assertNull(BearerSecret.credentials("Bearer"));
        assertNull(BearerSecret.credentials("Bearer   "));
        assertNull(BearerSecret.credentials("Bearerk3y"));
        assertNull(BearerSecret.credentials("Basic azN5"));
        assertNull(BearerSecret.credentials("k3y"));
    }

    @Test
    void aSecretIsPresentedInAnyCaseOfTheSchemeAndOnlyWhole() {
        BearerSecret secret = new BearerSecret("s3cret-key");
        for (String header :
                new String[] {"Bearer s3cret-key", "bearer s3cret-key", "BEARER s3cret-key", " Bearer  s3cret-key "}) {
            org.junit.jupiter.api.Assertions.assertTrue(secret.presentedIn(header), header);
        }
        for (String header :
                new String[] {null, "", "Bearer s3cret", "Bearer s3cret-key2", "Basic s3cret-key", "s3cret-key"}) {
            org.junit.jupiter.api.Assertions.assertFalse(secret.presentedIn(header), String.valueOf(header));
        }
    }
}
