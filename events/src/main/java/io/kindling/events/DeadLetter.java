package io.kindling.events;

import java.time.Instant;

/**
 * An event that failed for good with no on-failure destination, kept in the built-in dead-letter store.
 *
 * @param statusCode the last status: 200 when the function ran and failed, 429 or 500 when it was refused
 * @param errorType the function's error type (e.g. {@code Unhandled}) or the refusal's kind
 * @param errorMessage the first 1 KiB of the error payload or refusal reason
 * @param attempts how many times the function ran
 */
public record DeadLetter(String id, String functionName, String qualifier, byte[] payload, FailureCondition condition,
                         int statusCode, String errorType, String errorMessage, int attempts, Instant enqueuedAt,
                         Instant failedAt) {}
