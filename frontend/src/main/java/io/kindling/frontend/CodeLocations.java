package io.kindling.frontend;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GetFunction's {@code Code.Location}: like Lambda's presigned S3 URL, a link that downloads the
 * package without credentials for ten minutes. The signing key lives only in memory, so links
 * die with the process.
 */
final class CodeLocations {
    static final String PATH_PREFIX = "/kindling/code/";
    static final Duration VALIDITY = Duration.ofMinutes(10);

    private final byte[] key = new byte[32];
    private final Clock clock;
    private final Supplier<String> baseUrl;

    CodeLocations(Clock clock, Supplier<String> baseUrl) {
        new SecureRandom().nextBytes(key);
        this.clock = clock;
        this.baseUrl = baseUrl;
    }

    String url(String sha256Hex) {
        long expires = clock.instant().plus(VALIDITY).getEpochSecond();
        return baseUrl.get() + PATH_PREFIX + sha256Hex + ".zip?Expires=" + expires + "&Signature=" + sign(sha256Hex, expires);
    }

    /** True when the link was made here, for this package, and has not expired. */
    boolean valid(String sha256Hex, String expires, String signature) {
        if (expires == null || signature == null || !sha256Hex.matches("[0-9a-f]{64}")) {
            return false;
        }
        long at;
        try {
            at = Long.parseLong(expires);
        } catch (NumberFormatException e) {
            return false;
        }
        return clock.instant().getEpochSecond() <= at && MessageDigest.isEqual(
                sign(sha256Hex, at).getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII));
    }

    private String sign(String sha256Hex, long expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((sha256Hex + "\n" + expires).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
