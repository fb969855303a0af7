package io.kindling.frontend.auth;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed {@code Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...}
 * header.
 *
 * @param credential    the credential scope
 * @param signedHeaders lower-case header names in the order the client signed them
 * @param signature     hex signature as sent
 */
record AuthorizationHeader(CredentialScope credential, List<String> signedHeaders, String signature) {
    AuthorizationHeader {
        signedHeaders = List.copyOf(signedHeaders);
    }

    /**
     * Parses the header. Messages follow AWS: every missing part is named, then the header itself
     * is quoted, so a client author can see what their signer produced.
     */
    static AuthorizationHeader parse(String header) throws AuthException {
        String trimmed = header.strip();
        int space = indexOfWhitespace(trimmed);
        String algorithm = space < 0 ? trimmed : trimmed.substring(0, space);
        if (!algorithm.equals(SigV4Signing.ALGORITHM)) {
            throw new AuthException(AuthFailure.INCOMPLETE_SIGNATURE,
                    "Unsupported Authorization Type: only " + SigV4Signing.ALGORITHM + " is accepted."
                            + " Authorization=" + header);
        }
        Map<String, String> parameters = new HashMap<>();
        if (space >= 0) {
            for (String part : trimmed.substring(space + 1).split(",")) {
                int equals = part.indexOf('=');
                if (equals > 0) {
                    parameters.putIfAbsent(part.substring(0, equals).strip(), part.substring(equals + 1).strip());
                }
            }
        }
        List<String> missing = new ArrayList<>();
        for (String required : List.of("Credential", "Signature", "SignedHeaders")) {
            if (parameters.getOrDefault(required, "").isEmpty()) {
                missing.add("Authorization header requires '" + required + "' parameter.");
            }
        }
        if (!missing.isEmpty()) {
            throw new AuthException(AuthFailure.INCOMPLETE_SIGNATURE,
                    String.join(" ", missing) + " Authorization=" + header);
        }
        return new AuthorizationHeader(
                CredentialScope.parse(parameters.get("Credential")),
                List.of(parameters.get("SignedHeaders").split(";")),
                parameters.get("Signature"));
    }

    private static int indexOfWhitespace(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isWhitespace(text.charAt(i))) {
                return i;
            }
        }
        return -1;
    }
}
