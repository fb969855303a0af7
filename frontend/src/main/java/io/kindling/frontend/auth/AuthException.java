package io.kindling.frontend.auth;

import java.util.Objects;

/**
 * A request that failed authentication. The message is the one AWS would send back, so it is safe
 * to show the caller: it never contains a secret or the signature we calculated.
 */
public final class AuthException extends Exception {
    private final AuthFailure failure;

    public AuthException(AuthFailure failure, String message) {
        // Rejections are routine and answered with a 403; a stack trace would only cost time.
        super(message, null, false, false);
        this.failure = Objects.requireNonNull(failure, "failure");
    }

    public AuthFailure failure() {
        return failure;
    }

    @Override
    public String toString() {
        return "AuthException[" + failure + ": " + getMessage() + "]";
    }
}
