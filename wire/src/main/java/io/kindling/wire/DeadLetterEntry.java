package io.kindling.wire;

import java.util.List;

/**
 * An async event that exhausted its retries or its age without an OnFailure destination, in Kindling's dead-letter
 * store ({@code GET /kindling/2026-11-27/functions/{name}/dead-letters}).
 *
 * @param condition       {@code RetriesExhausted} or {@code EventAgeExceeded}, as in a destination record
 * @param payload         the original event as text
 * @param errorType       what the last attempt ended with (a function error type, or the throttle or service error)
 * @param errorMessage    its first 1 KiB
 * @param enqueuedAt      ISO-8601, when the event was accepted
 * @param failedAt        ISO-8601, when it was given up
 */
public record DeadLetterEntry(String id, String functionName, String qualifier, String condition, String payload,
                              String errorType, String errorMessage, int attempts, String enqueuedAt,
                              String failedAt) {

    public record ListDeadLettersResponse(List<DeadLetterEntry> deadLetters) {}

    public record ReplayResponse(int replayed) {}
}
