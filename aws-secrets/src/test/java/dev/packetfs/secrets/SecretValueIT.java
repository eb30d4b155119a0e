package dev.packetfs.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.testing.LoopbackSecretsManager;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** {@link SecretValue} through the real AWS SDK client, against {@link LoopbackSecretsManager}. */
class SecretValueIT {
    private static final String ARN =
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:packetfs/worker-token-AbCdEf";

    private LoopbackSecretsManager service;

    @BeforeEach
    void start() {
        service = LoopbackSecretsManager.start();
    }

    @AfterEach
    void stop() {
        service.close();
    }

    private SecretValue secret(String arn) {
        return new SecretValue(
                arn,
                () -> SecretsManagerClient.builder()
                        .endpointOverride(service.endpoint())
                        .region(Region.US_EAST_1)
                        .credentialsProvider(
                                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIATEST", "secret")))
                        .httpClient(UrlConnectionHttpClient.create())
                        .build());
    }

    @Test
    void nothingIsReadUntilTheValueIsNeededThenItIsReadOnce() {
        service.put(ARN, "  s3cr3t-token-0123456789 \n");
        SecretValue token = secret(ARN);
        assertTrue(service.asked.isEmpty(), "created, not read");
        assertEquals("s3cr3t-token-0123456789", token.get());
        assertEquals("s3cr3t-token-0123456789", token.get());
        assertEquals(List.of("secretsmanager.GetSecretValue " + ARN), service.asked);
    }

    @Test
    void aMissingSecretIsAnErrorNamingItAndTheNextCallTriesAgain() {
        SecretValue token = secret(ARN);
        SecretUnavailableException e = assertThrows(SecretUnavailableException.class, token::get);
        assertTrue(e.getMessage().contains(ARN) && e.getMessage().contains("can't find"), e.getMessage());
        service.put(ARN, "now-it-exists-0123456789");
        assertEquals("now-it-exists-0123456789", token.get());
        assertEquals(2, service.asked.size());
    }

    @Test
    void anEmptySecretIsRefused() {
        service.put(ARN, "   ");
        SecretUnavailableException e = assertThrows(SecretUnavailableException.class, secret(ARN)::get);
        assertTrue(e.getMessage().contains("holds no text"), e.getMessage());
    }

    @Test
    void anUnreachableServiceIsAnErrorNamingTheSecret() {
        SecretValue token = secret(ARN);
        service.close();
        SecretUnavailableException e = assertThrows(SecretUnavailableException.class, token::get);
        assertTrue(e.getMessage().startsWith("cannot read secret " + ARN), e.getMessage());
    }

    @Test
    void anArnIsRequired() {
        assertThrows(IllegalArgumentException.class, () -> SecretValue.of(" "));
    }
}
