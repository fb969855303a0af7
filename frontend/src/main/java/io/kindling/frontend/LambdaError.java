package io.kindling.frontend;

/** An error as it goes on the wire: HTTP status, the {@code x-amzn-ErrorType} name, and the message. */
record LambdaError(int status, String name, String message) {
    /** {@code User} for 4xx and {@code Service} for 5xx, as the {@code Type} member of the body. */
    String type() {
        return status >= 500 ? "Service" : "User";
    }
}
