package io.kindling.events;

import java.time.Instant;

/**
 * What one delivery attempt gets.
 *
 * @param id the original request id (the same on every attempt: Lambda passes it as the invocation's request id)
 * @param functionName the function to invoke
 * @param qualifier the qualifier it was invoked with
 * @param payload the event, read from disk for this attempt
 * @param attempt 1 for the first invocation, 2 and 3 for function-error retries (throttled attempts do not count)
 * @param acceptedAt when the event was accepted
 */
public record QueuedEvent(String id, String functionName, String qualifier, byte[] payload, int attempt,
                          Instant acceptedAt) {}
