package io.kindling.counting;

import java.util.Objects;

/** An invocation over a concurrency limit: refused before anything of it ran. */
public final class Throttled extends Exception {
    /** Lambda's {@code Reason} values for a 429 {@code TooManyRequestsException}, by name. */
    public enum Reason {
        /** The account's unreserved concurrency is in use. */
        ConcurrentInvocationLimitExceeded,
        /** The function's reserved concurrency is in use (or is 0). */
        ReservedFunctionConcurrentInvocationLimitExceeded,
        /** The function is adding concurrency faster than its scaling rate allows. */
        FunctionInvocationRateLimitExceeded
    }

    private final Reason reason;
    private final boolean reservedZero;

    Throttled(Reason reason, boolean reservedZero, String message) {
        super(message, null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.reservedZero = reservedZero;
    }

    public Reason reason() {
        return reason;
    }

    /** The function's reserved concurrency is 0: it can never run, so async events skip their retries. */
    public boolean reservedZero() {
        return reservedZero;
    }
}
