package dev.packetfs.secrets;

import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * A secret's string value in AWS Secrets Manager, named by its ARN, read the first time
 * {@link #get()} is called and kept from then on.
 *
 * <p>Never read at init: under SnapStart whatever init holds is frozen into the snapshot and
 * restored into every execution environment, past any rotation. A failed read is not kept, so
 * the next call tries again. The client takes credentials and region from the function's
 * environment, and honours {@code AWS_ENDPOINT_URL_SECRETS_MANAGER} / {@code AWS_ENDPOINT_URL}
 * (LocalStack, a test's endpoint).
 */
public final class SecretValue implements Supplier<String> {
    private final String arn;
    private final Supplier<SecretsManagerClient> clients;
    private volatile String value;

    SecretValue(String arn, Supplier<SecretsManagerClient> clients) {
        if (arn == null || arn.isBlank()) {
            throw new IllegalArgumentException("a secret ARN is needed");
        }
        this.arn = arn.strip();
        this.clients = clients;
    }

    /** The secret named by {@code arn}; nothing is read until {@link #get()}. */
    public static SecretValue of(String arn) {
        return new SecretValue(
                arn,
                () -> SecretsManagerClient.builder()
                        .httpClient(UrlConnectionHttpClient.create())
                        .build());
    }

    public String arn() {
        return arn;
    }

    /** Whether the value has been read, so that {@link #get()} answers without a request. */
    public boolean isRead() {
        return value != null;
    }

    /**
     * The value.
     *
     * @throws SecretUnavailableException when it cannot be read, or holds no text
     */
    @Override
    public String get() {
        String known = value;
        if (known != null) {
            return known;
        }
        synchronized (this) {
            if (value == null) {
                value = read();
            }
            return value;
        }
    }

    private String read() {
        try (SecretsManagerClient client = clients.get()) {
            String text = client.getSecretValue(r -> r.secretId(arn)).secretString();
            if (text == null || text.isBlank()) {
                throw new SecretUnavailableException("secret " + arn + " holds no text");
            }
            return text.strip();
        } catch (SdkException e) {
            throw new SecretUnavailableException("cannot read secret " + arn + ": " + e.getMessage(), e);
        }
    }
}
