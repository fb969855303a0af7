package io.kindling.frontend;

import io.kindling.wire.FunctionLogEvents;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/** Reads a function's stored log for Kindling's log API; the seam to wherever the logs are kept. */
public interface FunctionLogReader {

    /**
     * One page of events.
     *
     * @param from a token from an earlier page; empty to start from the last {@code tail} events
     * @param wait when nothing is there yet, how long to wait for the next event (a long poll for --follow)
     * @throws IllegalArgumentException for a token that is not one of ours
     */
    FunctionLogEvents read(String function, Optional<String> from, int tail, int limit, Duration wait)
            throws IOException, InterruptedException;

    /** Drops a deleted function's log. */
    void delete(String function) throws IOException;
}
