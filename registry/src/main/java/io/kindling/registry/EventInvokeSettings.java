package io.kindling.registry;

import java.util.Optional;
import java.util.OptionalInt;

/** The members of an {@link EventInvokeConfig} a caller sets; validated by the frontend. */
public record EventInvokeSettings(
        OptionalInt maximumRetryAttempts,
        OptionalInt maximumEventAgeSeconds,
        Optional<String> onSuccess,
        Optional<String> onFailure) {

    public static final EventInvokeSettings NONE =
            new EventInvokeSettings(OptionalInt.empty(), OptionalInt.empty(), Optional.empty(), Optional.empty());
}
