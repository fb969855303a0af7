package io.kindling.wire;

import java.util.List;

/**
 * Kindling's own log API ({@code GET /kindling/2026-11-27/functions/{name}/logs}), shaped like CloudWatch Logs'
 * GetLogEvents: a page of events and the token to read on from.
 */
public record FunctionLogEvents(List<Event> events, String nextToken) {
    public record Event(long timestamp, String logStreamName, String message) {}
}
