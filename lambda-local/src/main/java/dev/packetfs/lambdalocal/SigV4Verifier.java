package dev.packetfs.lambdalocal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks an AWS Signature Version 4 as a Lambda function URL with auth type {@code AWS_IAM} does:
 * the {@code Authorization} header's credential (access key, date, region, service {@code lambda}),
 * the request's {@code X-Amz-Date} within five minutes of now, and the signature over the
 * canonical request (method, path, query, the signed headers, the payload's SHA-256), recomputed
 * with the secret key. JDK only.
 */
public final class SigV4Verifier {
    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final Duration SKEW = Duration.ofMinutes(5);
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final String accessKey;
    private final String secretKey;
    private final String region;
    private final String service;

    public SigV4Verifier(String accessKey, String secretKey, String region, String service) {
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.region = region;
        this.service = service;
    }

    /**
     * Why the request is refused, or empty when its signature holds.
     *
     * @param rawPath the path as sent (still percent-encoded)
     * @param rawQuery the query as sent, or null
     * @param headers the request's headers, any case
     */
    public Optional<String> refusal(
            String method,
            String rawPath,
            String rawQuery,
            Map<String, List<String>> headers,
            byte[] body,
            Instant now) {
        Map<String, String> h = new TreeMap<>();
        headers.forEach((k, v) -> h.put(
                k.toLowerCase(Locale.ROOT),
                String.join(",", v.stream().map(String::strip).toList())));
        String auth = h.get("authorization");
        if (auth == null || !auth.startsWith(ALGORITHM + " ")) {
            return Optional.of("missing Authentication Token: the request is not signed (SigV4)");
        }
        Map<String, String> parts = new TreeMap<>();
        for (String part : auth.substring(ALGORITHM.length() + 1).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                parts.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
            }
        }
        String[] credential = parts.getOrDefault("Credential", "").split("/");
        String signedHeaders = parts.get("SignedHeaders");
        String signature = parts.get("Signature");
        if (credential.length != 5
                || signedHeaders == null
                || signature == null
                || !credential[4].equals("aws4_request")) {
            return Optional.of("malformed Authorization header");
        }
        if (!credential[0].equals(accessKey)) {
            return Optional.of("the security token included in the request is invalid (unknown access key)");
        }
        if (!credential[2].equals(region) || !credential[3].equals(service)) {
            return Optional.of("credential should be scoped to region '" + region + "' and service '" + service + "'");
        }
        String amzDate = h.get("x-amz-date");
        Instant signedAt;
        try {
            signedAt = Instant.from(AMZ_DATE.parse(amzDate == null ? "" : amzDate));
        } catch (DateTimeParseException e) {
            return Optional.of("missing or malformed X-Amz-Date");
        }
        if (Duration.between(signedAt, now).abs().compareTo(SKEW) > 0) {
            return Optional.of("signature expired: signed at " + amzDate + ", more than 5 minutes from now");
        }
        if (!amzDate.startsWith(credential[1])) {
            return Optional.of("the credential's date is not the request's");
        }
        List<String> signed = List.of(signedHeaders.split(";"));
        if (!signed.contains("host") || !signed.contains("x-amz-date")) {
            return Optional.of("host and x-amz-date must be signed");
        }
        StringBuilder canonicalHeaders = new StringBuilder();
        for (String name : signed) {
            String value = h.get(name);
            if (value == null) {
                return Optional.of("signed header '" + name + "' is missing");
            }
            canonicalHeaders
                    .append(name)
                    .append(':')
                    .append(value.replaceAll("\\s+", " "))
                    .append('\n');
        }
        String payloadHash = hex(sha256(body));
        String claimed = h.get("x-amz-content-sha256");
        if (claimed != null && !claimed.equals("UNSIGNED-PAYLOAD") && !claimed.equals(payloadHash)) {
            return Optional.of("the body is not the one that was signed");
        }
        String canonical = method + "\n" + canonicalPath(rawPath) + "\n" + canonicalQuery(rawQuery) + "\n"
                + canonicalHeaders + "\n" + signedHeaders + "\n" + (claimed != null ? claimed : payloadHash);
        String scope = credential[1] + "/" + region + "/" + service + "/aws4_request";
        String toSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n"
                + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), credential[1]);
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        String expected = hex(hmac(key, toSign));
        if (!MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of("the request signature we calculated does not match the signature you provided");
        }
        return Optional.empty();
    }

    /** Each segment of the path as sent, URI-encoded once more (Lambda, as every service but S3). */
    private static String canonicalPath(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        StringBuilder out = new StringBuilder();
        String[] segments = rawPath.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                out.append('/');
            }
            out.append(encode(segments[i]));
        }
        return out.toString();
    }

    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            pairs.add(new String[] {encode(k), encode(v)});
        }
        pairs.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        StringBuilder out = new StringBuilder();
        for (String[] p : pairs) {
            out.append(out.length() == 0 ? "" : "&").append(p[0]).append('=').append(p[1]);
        }
        return out.toString();
    }

    /** RFC 3986: unreserved characters as they are, every other byte as %XX. */
    private static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if ((c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '_'
                    || c == '.'
                    || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xFF));
            }
        }
        return out.toString();
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
