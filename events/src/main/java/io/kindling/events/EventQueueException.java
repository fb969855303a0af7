package io.kindling.events;

/** Everything the queue refuses, as data; the frontend maps each case to a Lambda error. */
public sealed abstract class EventQueueException extends Exception
        permits QueueFullException, EventQueueException.StorageFailure, EventQueueException.Closed {
    EventQueueException(String message, Throwable cause) {
        super(message, cause, false, false);
    }

    /** The event database failed; the event may not have been stored (a 5xx: the client retries). */
    public static final class StorageFailure extends EventQueueException {
        StorageFailure(Throwable cause) {
            super("event storage failed: " + cause.getMessage(), cause);
        }
    }

    /** The queue is closing or closed. */
    public static final class Closed extends EventQueueException {
        Closed() {
            super("the event queue is closed", null);
        }
    }
}
