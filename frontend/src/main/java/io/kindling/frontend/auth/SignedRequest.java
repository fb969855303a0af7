package io.kindling.frontend.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What the verifier needs from an incoming request, taken exactly as it came off the wire.
 *
 * @param method           the HTTP method, e.g. {@code GET}
 * @param rawPath          the path still percent-encoded as sent, e.g.
 *                         {@code /2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Afoo/configuration};
 *                         decoding it first would break the signature, which covers the encoded form
 * @param rawQuery         the query string as sent, without the {@code ?}; {@code null} or empty if none
 * @param headers          all request headers
 * @param payloadSha256Hex lower-case hex SHA-256 of the body the server actually received
 */
public record SignedRequest(
        String method, String rawPath, String rawQuery, RequestHeaders headers, String payloadSha256Hex) {

    /** SHA-256 of an empty body, the payload hash of every GET. */
    public static final String EMPTY_PAYLOAD_SHA256 = sha256Hex(new byte[0]);

    public SignedRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(rawPath, "rawPath");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(payloadSha256Hex, "payloadSha256Hex");
    }

    /** Lower-case hex SHA-256 of a body, as {@link #payloadSha256Hex} expects. */
    public static String sha256Hex(byte[] body) {
        return HexFormat.of().formatHex(sha256().digest(body));
    }

    static String sha256Hex(String text) {
        return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
