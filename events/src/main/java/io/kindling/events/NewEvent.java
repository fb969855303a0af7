package io.kindling.events;

import java.time.Instant;
import java.util.Objects;

/**
 * An accepted asynchronous invocation, as the frontend hands it over.
 *
 * @param id the invocation's request id (what the 202 carried in {@code x-amzn-RequestId})
 * @param functionName the function's name
 * @param qualifier the resolved qualifier ({@code $LATEST}, a version or an alias)
 * @param payload the event as sent (empty allowed)
 * @param acceptedAt when the frontend accepted it: the event's age, and so {@code MaximumEventAge}, counts from here
 */
public record NewEvent(String id, String functionName, String qualifier, byte[] payload, Instant acceptedAt) {
    public NewEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(functionName, "functionName");
        Objects.requireNonNull(qualifier, "qualifier");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(acceptedAt, "acceptedAt");
    }
}
