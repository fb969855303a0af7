package io.kindling.worker.pool;

import java.util.Objects;

/**
 * An invocation got no answer from an environment for a reason outside the function: see {@link Reason}. Function
 * errors (timeouts, crashes, init errors) are {@link InvokeOutcome.FunctionFailure}s, not this.
 */
public final class EnvironmentUnavailable extends Exception {
    /** Why, and so whether the invocation may be given to another environment. */
    public enum Reason {
        /** The environment left the warm states before the assignment reached it; nothing ran, so retrying is safe. */
        NOT_WARM,
        /** The sandbox could not be started; nothing of the function ran. */
        START_FAILED,
        /** The worker shut the environment down while the invocation waited for init. */
        SHUT_DOWN,
        /** The pool is closed and takes no invocations. */
        POOL_CLOSED,
        /**
         * The worker's sandbox memory is held by busy or provisioned environments; nothing could be evicted to make
         * room.
         */
        NO_CAPACITY
    }

    private final Reason reason;

    public EnvironmentUnavailable(Reason reason, String message) {
        this(reason, message, null);
    }

    public EnvironmentUnavailable(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
