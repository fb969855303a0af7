package io.kindling.frontend;

/**
 * An error as it goes on the wire: HTTP status, the {@code x-amzn-ErrorType} name, and the message.
 *
 * @param reason the {@code Reason} member of a 429's body (which limit was hit), else null
 */
record LambdaError(int status, String name, String message, String reason) {
    LambdaError(int status, String name, String message) {
        this(status, name, message, null);
    }

    /** {@code User} for 4xx and {@code Service} for 5xx, as the {@code Type} member of the body. */
    String type() {
        return status >= 500 ? "Service" : "User";
    }
}
