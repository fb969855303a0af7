package io.kindling.server;

import io.kindling.frontend.FunctionLogReader;
import io.kindling.wire.FunctionLogEvents;
import io.kindling.worker.logs.FunctionLogs;
import io.kindling.worker.logs.LogCursor;
import io.kindling.worker.logs.LogEvent;
import io.kindling.worker.logs.LogPage;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The frontend's log API over the worker's {@link FunctionLogs} store in the data directory. */
record StoredLogReader(FunctionLogs logs) implements FunctionLogReader {

    @Override
    public FunctionLogEvents read(String function, Optional<String> from, int tail, int limit, Duration wait)
            throws IOException, InterruptedException {
        LogPage page = from.isPresent()
                ? logs.read(function, LogCursor.parse(from.get()), limit)
                : logs.tail(function, Math.min(tail, limit));
        if (page.events().isEmpty() && !wait.isZero()) {
            try {
                boolean appended = logs.awaitAppend(function, page.next(), wait)
                        .get(wait.toMillis() + 1000, TimeUnit.MILLISECONDS);
                if (appended) {
                    page = logs.read(function, page.next(), limit);
                }
            } catch (ExecutionException | TimeoutException e) {
                // Nothing arrived in time: an empty page with the same token, as a long poll answers.
            }
        }
        return new FunctionLogEvents(page.events().stream().map(StoredLogReader::wire).toList(), page.next().token());
    }

    private static FunctionLogEvents.Event wire(LogEvent event) {
        return new FunctionLogEvents.Event(event.timestampMillis(), event.stream(), event.message());
    }

    @Override
    public void delete(String function) throws IOException {
        logs.delete(function);
    }
}
