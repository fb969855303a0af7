package io.kindling.events;

/** The outcome of one delivery attempt; each case has its own retry rule (see {@link EventQueue}). */
public sealed interface DeliveryResult {
    /** The function ran and answered. */
    record Success(byte[] responsePayload, String executedVersion) implements DeliveryResult {}

    /**
     * The function ran and failed, timed out included; retried up to {@code MaximumRetryAttempts}.
     *
     * @param errorType the {@code X-Amz-Function-Error} value, e.g. {@code Unhandled}
     */
    record FunctionError(byte[] errorPayload, String executedVersion, String errorType) implements DeliveryResult {}

    /** Refused for lack of concurrency or capacity (429-like); retried with backoff until the event is too old. */
    record Throttled(String reason) implements DeliveryResult {}

    /** The function's reserved concurrency is 0: nothing will ever run it, so straight to the failure path. */
    record ThrottledReservedZero() implements DeliveryResult {}

    /** The platform failed (5xx-like); retried with backoff like a throttle. */
    record ServiceError(String message) implements DeliveryResult {}

    /** The function or qualifier no longer exists: the event is dropped. */
    record FunctionGone() implements DeliveryResult {}
}
