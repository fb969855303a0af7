package io.kindling.wire;

/**
 * The body of every Lambda API error.
 *
 * @param reason only for throttles ({@code TooManyRequestsException}): which limit was hit; null otherwise
 */
public record ErrorBody(String type, String message, String reason) {
    public ErrorBody(String type, String message) {
        this(type, message, null);
    }
}
