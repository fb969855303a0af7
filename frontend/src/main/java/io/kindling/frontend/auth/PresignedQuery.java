package io.kindling.frontend.auth;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SigV4 parameters of a presigned URL: {@code X-Amz-Algorithm}, {@code X-Amz-Credential},
 * {@code X-Amz-Date}, {@code X-Amz-SignedHeaders}, {@code X-Amz-Signature} and, optionally,
 * {@code X-Amz-Expires}.
 *
 * @param expires how long after {@code amzDate} the URL stays valid; empty if the signer set no
 *                expiry, in which case the usual clock skew applies
 */
record PresignedQuery(CredentialScope credential, String amzDate, Optional<Duration> expires,
        List<String> signedHeaders, String signature) {

    static final String ALGORITHM_PARAMETER = "X-Amz-Algorithm";
    static final String SIGNATURE_PARAMETER = "X-Amz-Signature";

    /** AWS's upper bound for a presigned URL's lifetime: seven days. */
    static final long MAX_EXPIRES_SECONDS = 604_800;

    PresignedQuery {
        signedHeaders = List.copyOf(signedHeaders);
    }

    static boolean isPresigned(List<QueryParameter> query) {
        return query.stream().anyMatch(p -> p.name().equals(ALGORITHM_PARAMETER));
    }

    static PresignedQuery parse(List<QueryParameter> query) throws AuthException {
        Map<String, String> values = new LinkedHashMap<>();
        for (QueryParameter parameter : query) {
            if (parameter.name().startsWith("X-Amz-")) {
                values.putIfAbsent(parameter.name(), parameter.value());
            }
        }
        List<String> missing = new ArrayList<>();
        for (String required : List.of(ALGORITHM_PARAMETER, "X-Amz-Credential", "X-Amz-Date",
                "X-Amz-SignedHeaders", SIGNATURE_PARAMETER)) {
            if (values.getOrDefault(required, "").isEmpty()) {
                missing.add("AWS query-string parameters must include '" + required + "'.");
            }
        }
        if (!missing.isEmpty()) {
            throw new AuthException(AuthFailure.INCOMPLETE_SIGNATURE,
                    String.join(" ", missing) + " Re-examine the query-string parameters.");
        }
        String algorithm = values.get(ALGORITHM_PARAMETER);
        if (!algorithm.equals(SigV4Signing.ALGORITHM)) {
            throw new AuthException(AuthFailure.INCOMPLETE_SIGNATURE,
                    "X-Amz-Algorithm only supports \"" + SigV4Signing.ALGORITHM + "\", got '" + algorithm + "'.");
        }
        return new PresignedQuery(
                CredentialScope.parse(values.get("X-Amz-Credential")),
                values.get("X-Amz-Date"),
                parseExpires(values.get("X-Amz-Expires")),
                List.of(values.get("X-Amz-SignedHeaders").split(";")),
                values.get(SIGNATURE_PARAMETER));
    }

    private static Optional<Duration> parseExpires(String text) throws AuthException {
        if (text == null) {
            return Optional.empty();
        }
        long seconds;
        try {
            seconds = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new AuthException(AuthFailure.INCOMPLETE_SIGNATURE,
                    "X-Amz-Expires should be a number, got '" + text + "'.");
        }
        if (seconds < 0) {
            throw new AuthException(AuthFailure.INCOMPLETE_SIGNATURE, "X-Amz-Expires must be non-negative");
        }
        if (seconds > MAX_EXPIRES_SECONDS) {
            throw new AuthException(AuthFailure.INCOMPLETE_SIGNATURE,
                    "X-Amz-Expires must be less than a week (in seconds) that is " + MAX_EXPIRES_SECONDS);
        }
        return Optional.of(Duration.ofSeconds(seconds));
    }
}
