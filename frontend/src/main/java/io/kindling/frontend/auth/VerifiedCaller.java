package io.kindling.frontend.auth;

import java.util.Objects;

/** The outcome of a successful verification: the access key whose secret signed the request. */
public record VerifiedCaller(String accessKeyId) {
    public VerifiedCaller {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
    }
}
