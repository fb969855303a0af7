package io.kindling.events;

/** Why an event left the queue unsuccessfully; the names are the destination record's {@code condition}. */
public enum FailureCondition {
    /** The function failed on its first run and on every retry allowed. */
    RetriesExhausted,
    /** The event grew older than {@code MaximumEventAge} before it could run (or run again). */
    EventAgeExceeded
}
