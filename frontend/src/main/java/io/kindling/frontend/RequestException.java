package io.kindling.frontend;

/**
 * A request the frontend refuses before it reaches the registry. {@link LambdaErrors} turns each
 * case into the Lambda error name and status.
 */
public sealed abstract class RequestException extends Exception {
    private RequestException(String message) {
        super(message, null, false, false);
    }

    /** A member breaks a constraint of the API model (length, range, pattern, enum, required). */
    public static final class ConstraintViolation extends RequestException {
        ConstraintViolation(String message) {
            super(message);
        }
    }

    /** A value that is well-formed but not acceptable (reserved key, conflicting qualifiers, unsupported feature). */
    public static final class InvalidParameter extends RequestException {
        InvalidParameter(String message) {
            super(message);
        }
    }

    /** The body is not the JSON the operation expects. */
    public static final class UnparsableBody extends RequestException {
        UnparsableBody(String message) {
            super(message);
        }
    }

    /** The body is over the operation's size limit. */
    public static final class TooLarge extends RequestException {
        TooLarge(String message) {
            super(message);
        }
    }

    /** The resource is not in a state that allows the operation (e.g. invoking a Pending function). */
    public static final class Conflict extends RequestException {
        Conflict(String message) {
            super(message);
        }
    }

    /** No operation has this method and path. */
    public static final class UnknownOperation extends RequestException {
        UnknownOperation(String message) {
            super(message);
        }
    }

    /** The request names something this server does not hold (e.g. an ARN of another account). */
    public static final class NotFound extends RequestException {
        NotFound(String message) {
            super(message);
        }
    }
}
