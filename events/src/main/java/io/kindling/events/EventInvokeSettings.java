package io.kindling.events;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A function's event invoke config (PutFunctionEventInvokeConfig), as far as the queue needs it.
 *
 * @param maximumRetryAttempts function-error retries, 0–2 (Lambda's default 2)
 * @param maximumEventAge how long an event may wait for a successful or failed run, 60 s – 6 h (default 6 h)
 * @param onSuccessArn where a record goes after a success, if anywhere
 * @param onFailureArn where a record goes after a final failure; without one, the built-in dead-letter store
 */
public record EventInvokeSettings(int maximumRetryAttempts, Duration maximumEventAge, Optional<String> onSuccessArn,
                                  Optional<String> onFailureArn) {
    public static final Duration MIN_EVENT_AGE = Duration.ofSeconds(60);
    public static final Duration MAX_EVENT_AGE = Duration.ofHours(6);

    /** Lambda's defaults: 2 retries, 6 hours, no destinations. */
    public static final EventInvokeSettings DEFAULTS =
            new EventInvokeSettings(2, MAX_EVENT_AGE, Optional.empty(), Optional.empty());

    public EventInvokeSettings {
        if (maximumRetryAttempts < 0 || maximumRetryAttempts > 2) {
            throw new IllegalArgumentException("maximumRetryAttempts must be 0-2: " + maximumRetryAttempts);
        }
        Objects.requireNonNull(maximumEventAge, "maximumEventAge");
        if (maximumEventAge.compareTo(MIN_EVENT_AGE) < 0 || maximumEventAge.compareTo(MAX_EVENT_AGE) > 0) {
            throw new IllegalArgumentException("maximumEventAge must be 60 s - 6 h: " + maximumEventAge);
        }
        Objects.requireNonNull(onSuccessArn, "onSuccessArn");
        Objects.requireNonNull(onFailureArn, "onFailureArn");
    }
}
