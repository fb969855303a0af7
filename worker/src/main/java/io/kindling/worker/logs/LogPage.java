package io.kindling.worker.logs;

import java.util.List;
import java.util.Objects;

/**
 * Events read from one function's log, oldest first, and where the next read continues.
 *
 * @param next just after the last event returned (or after what was skipped as unreadable); pass it to the next
 *     {@link FunctionLogs#read} or {@link FunctionLogs#awaitAppend}
 */
public record LogPage(List<LogEvent> events, LogCursor next) {
    public LogPage {
        events = List.copyOf(events);
        Objects.requireNonNull(next, "next");
    }
}
