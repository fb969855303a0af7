package io.kindling.events;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What the last attempt of an event came to, kept on the event's row so that a failure decided later
 * (the event's age passing while it waits) still reports it.
 *
 * @param statusCode 200 when the function ran (successfully or not), else the refusal's status (429, 500)
 * @param executedVersion the version that ran, null when it did not run (or the worker did not say)
 * @param functionError the {@code X-Amz-Function-Error} value when the function ran and failed, else null
 * @param response the function's response or error payload, null when it did not run
 * @param message the refusal's reason when it did not run, else null
 */
record LastOutcome(int statusCode, String executedVersion, String functionError, byte[] response, String message) {
    static final int MAX_ERROR_MESSAGE_BYTES = 1024;

    /** For an event that never got an answer: it only waited, which on one node means lack of capacity. */
    static final LastOutcome NONE = new LastOutcome(429, null, null, null, "no attempt before the event's age passed");

    static LastOutcome of(DeliveryResult result) {
        return switch (result) {
            case DeliveryResult.Success s -> new LastOutcome(200, s.executedVersion(), null, s.responsePayload(), null);
            case DeliveryResult.FunctionError f ->
                    new LastOutcome(200, f.executedVersion(), f.errorType(), f.errorPayload(), null);
            case DeliveryResult.Throttled t -> new LastOutcome(429, null, null, null, t.reason());
            case DeliveryResult.ThrottledReservedZero z ->
                    new LastOutcome(429, null, null, null, "reserved concurrency is 0");
            case DeliveryResult.ServiceError e -> new LastOutcome(500, null, null, null, e.message());
            case DeliveryResult.FunctionGone g -> new LastOutcome(404, null, null, null, "function not found");
        };
    }

    /** Whether the function ran (and so has a response, its version and perhaps an error). */
    boolean ran() {
        return statusCode == 200;
    }

    /** The dead letter's error type: the function's error, or the kind of refusal. */
    String errorType() {
        if (functionError != null) {
            return functionError;
        }
        return switch (statusCode) {
            case 429 -> "Throttled";
            case 404 -> "FunctionGone";
            default -> "ServiceError";
        };
    }

    /** The dead letter's message: the first 1 KiB of the error payload or of the refusal's reason. */
    String errorMessage() {
        byte[] bytes = functionError != null && response != null ? response
                : (message == null ? "" : message).getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_ERROR_MESSAGE_BYTES) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        // decoding a cut multi-byte character yields U+FFFD, never an exception
        return new String(Arrays.copyOf(bytes, MAX_ERROR_MESSAGE_BYTES), StandardCharsets.UTF_8);
    }
}
