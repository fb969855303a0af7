package io.kindling.frontend.auth;

import java.util.Objects;

/**
 * The {@code Credential} of a signature: {@code AKID/yyyymmdd/region/service/aws4_request}. The
 * last four parts are what the signing key is derived from, so a signature is only ever valid for
 * one day, region and service.
 */
record CredentialScope(String accessKeyId, String date, String region, String service) {
    CredentialScope {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(date, "date");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(service, "service");
    }

    static CredentialScope parse(String credential) throws AuthException {
        String[] parts = credential.split("/", -1);
        if (parts.length != 5) {
            throw new AuthException(AuthFailure.INCOMPLETE_SIGNATURE,
                    "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"
                            + credential + "'");
        }
        if (!parts[4].equals(SigV4Signing.TERMINATOR)) {
            throw new AuthException(AuthFailure.INCOMPLETE_SIGNATURE,
                    "Credential should be scoped with a valid terminator: 'aws4_request', not '" + parts[4] + "'. ");
        }
        return new CredentialScope(parts[0], parts[1], parts[2], parts[3]);
    }

    /** The scope line of the string to sign: everything but the access key id. */
    String scope() {
        return date + '/' + region + '/' + service + '/' + SigV4Signing.TERMINATOR;
    }
}
