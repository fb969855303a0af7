package io.kindling.registry;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How asynchronous invocations of one qualifier of a function are handled: {@code qualifier} is
 * {@code $LATEST}, a version number or an alias name, exactly as configured (an alias is not
 * resolved: its config follows the alias). Empty members are unset; the async dispatcher applies
 * Lambda's defaults (2 retries, 21,600 s). Destinations are function ARNs of this server.
 */
public record EventInvokeConfig(
        String functionName,
        String qualifier,
        OptionalInt maximumRetryAttempts,
        OptionalInt maximumEventAgeSeconds,
        Optional<String> onSuccess,
        Optional<String> onFailure,
        Instant lastModified) {

    public EventInvokeSettings settings() {
        return new EventInvokeSettings(maximumRetryAttempts, maximumEventAgeSeconds, onSuccess, onFailure);
    }
}
