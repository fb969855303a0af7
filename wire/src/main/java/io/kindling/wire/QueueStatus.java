package io.kindling.wire;

import java.util.List;

/**
 * One function's async queue in Kindling's queue API ({@code GET /kindling/2026-11-27/queues}), which Lambda has no
 * equivalent of: its backlog, what runs now, what failed for good, and how long the oldest event has waited.
 */
public record QueueStatus(String functionName, long depth, long inFlight, long deadLetters,
                          double oldestEventAgeSeconds) {

    public record ListQueuesResponse(List<QueueStatus> queues) {}
}
