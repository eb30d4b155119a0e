package dev.packetfs.client;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether requests to a server are signed, and for which region: a Lambda function URL's host
 * names its region ({@code <url-id>.lambda-url.<region>.on.aws}), and a SigV4 signature must be
 * scoped to it (service {@code lambda}).
 */
final class SigningRegion {
    private static final Pattern FUNCTION_URL =
            Pattern.compile("[a-z0-9]+\\.lambda-url\\.([a-z]{2}(?:-[a-z]+)+-[0-9]+)\\.on\\.aws\\.?");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(?:-[a-z]+)+-[0-9]+");

    private SigningRegion() {}

    /** The region of a function URL's host, or empty for any other host. */
    static Optional<String> ofFunctionUrl(String host) {
        if (host == null) {
            return Optional.empty();
        }
        Matcher m = FUNCTION_URL.matcher(host.toLowerCase(Locale.ROOT));
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * The region requests to {@code server} are signed for, or empty when they are not signed.
     *
     * @param given the region the caller gave, or null
     * @param fallback {@code aws.region} or {@code AWS_REGION}, or null
     * @throws IllegalArgumentException when requests are to be signed and no region is known, or a region is malformed
     */
    static Optional<String> choose(URI server, Signing signing, String given, String fallback) {
        if (signing == Signing.NONE) {
            return Optional.empty();
        }
        Optional<String> ofHost = ofFunctionUrl(server.getHost());
        if (signing == Signing.AUTO && ofHost.isEmpty()) {
            return Optional.empty();
        }
        String region = given != null && !given.isBlank()
                ? given.strip()
                : ofHost.orElse(fallback == null || fallback.isBlank() ? null : fallback.strip());
        if (region == null) {
            throw new IllegalArgumentException("SigV4 needs a region: " + server.getHost() + " is not a function URL"
                    + " (<url-id>.lambda-url.<region>.on.aws); give one, or set AWS_REGION");
        }
        if (!REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("'" + region + "' is not an AWS region (such as us-east-1)");
        }
        return Optional.of(region);
    }
}
