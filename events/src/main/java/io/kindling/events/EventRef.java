package io.kindling.events;

import java.time.Instant;

/**
 * The little the queue keeps in memory per stored event; the payload stays on disk until delivery.
 *
 * @param seq the row's key in {@code events}, also the FIFO tie-break among equal due times
 * @param invocations how many times the function ran for this event (the record's approximateInvokeCount)
 * @param refusals consecutive throttles or service errors since the last run (the backoff exponent)
 */
record EventRef(long seq, String functionName, String qualifier, Instant acceptedAt, Instant dueAt, int invocations,
                int refusals) {
    EventRef rescheduled(Instant due, int newInvocations, int newRefusals) {
        return new EventRef(seq, functionName, qualifier, acceptedAt, due, newInvocations, newRefusals);
    }
}
