package io.kindling.frontend.auth;

/** Why a request was not authenticated; the frontend maps each to the AWS error of the same meaning. */
public enum AuthFailure {
    /**
     * Neither an {@code Authorization} header nor an {@code X-Amz-Algorithm} query parameter:
     * the request was not signed at all (AWS: {@code MissingAuthenticationTokenException}).
     */
    MISSING_TOKEN,

    /**
     * The request claims to be signed but a part of the signature is missing or malformed: a
     * parameter of the {@code Authorization} header or of the presigned query, the date, the
     * credential scope's shape (AWS: {@code IncompleteSignatureException}).
     */
    INCOMPLETE_SIGNATURE,

    /**
     * The access key id in the credential scope is not one this server knows
     * (AWS: {@code UnrecognizedClientException}).
     */
    UNRECOGNIZED_CLIENT,

    /**
     * The signature is well-formed but wrong: scoped to another region or service, computed over
     * a different request, or made with another secret (AWS: {@code InvalidSignatureException}).
     */
    INVALID_SIGNATURE,

    /**
     * The signature was valid once, or will be: the signing date is outside the allowed clock
     * skew, or a presigned request is past its expiry. AWS reports this as
     * {@code InvalidSignatureException} too, which is what makes the SDKs correct their clock skew.
     */
    SIGNATURE_EXPIRED
}
