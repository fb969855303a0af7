package io.kindling.events;

/** The queue holds its configured maximum of events; the frontend answers 429. Nothing was stored. */
public final class QueueFullException extends EventQueueException {
    public final int limit;

    QueueFullException(int limit) {
        super("the event queue holds its maximum of " + limit + " events", null);
        this.limit = limit;
    }
}
