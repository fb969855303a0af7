package io.kindling.frontend.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The cryptographic half of SigV4: string to sign, key derivation, signature. */
final class SigV4Signing {
    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    static final String TERMINATOR = "aws4_request";

    private SigV4Signing() {}

    static String stringToSign(String amzDate, CredentialScope scope, String canonicalRequest) {
        return ALGORITHM + '\n' + amzDate + '\n' + scope.scope() + '\n' + SignedRequest.sha256Hex(canonicalRequest);
    }

    /** Lower-case hex HMAC of the string to sign under the key derived for this scope. */
    static String signature(String secretAccessKey, CredentialScope scope, String stringToSign) {
        byte[] key = hmac(("AWS4" + secretAccessKey).getBytes(StandardCharsets.UTF_8), scope.date());
        key = hmac(key, scope.region());
        key = hmac(key, scope.service());
        key = hmac(key, TERMINATOR);
        return HexFormat.of().formatHex(hmac(key, stringToSign));
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            // A fresh Mac per call: Mac is not thread-safe and instances are cheap next to the hashing.
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }
}
