package io.kindling.events;

import java.time.Duration;

/**
 * One function's share of the queue.
 *
 * @param queued events waiting (due or not), not counting those in flight
 * @param inFlight deliveries running now
 * @param deadLetters events in the dead-letter store
 * @param oldestAge age of the oldest queued or in-flight event ({@link Duration#ZERO} when none)
 */
public record QueueStats(String functionName, int queued, int inFlight, int deadLetters, Duration oldestAge) {}
