package io.kindling.frontend;

import io.kindling.wire.DeadLetterEntry;
import io.kindling.wire.QueueStatus;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The frontend's seam to the durable async queue (Lambda's internal queue between the Invoke API and its pollers):
 * {@code Event} invocations go in here, and Kindling's queue API reads it.
 */
public interface AsyncEvents {

    /**
     * Stores the event durably and returns only once it is on disk: after this, a crash of the server does not lose
     * it. Delivery happens later, at least once.
     *
     * @throws Refused when the event was not stored
     */
    void accept(Event event) throws Refused, InterruptedException;

    /** Every function with queued, in-flight or dead-lettered events. */
    List<QueueStatus> queues();

    /** The function's dead letters, oldest first. */
    List<DeadLetterEntry> deadLetters(String function, int max);

    /**
     * Puts the function's dead letters (or only the one with this id) back in its queue, as new events.
     *
     * @return how many went back
     */
    int replay(String function, Optional<String> id);

    /** The function is deleted: its queued events and dead letters go. */
    void functionDeleted(String function);

    /**
     * @param id the request id the caller got back; the invocation's request id when it runs
     * @param qualifier as the caller named it ({@code $LATEST}, a version or an alias): resolved when delivered
     */
    record Event(String id, String functionName, String qualifier, byte[] payload) {
        public Event {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(functionName, "functionName");
            Objects.requireNonNull(qualifier, "qualifier");
            Objects.requireNonNull(payload, "payload");
        }
    }

    /** The event was not stored. */
    final class Refused extends Exception {
        public enum Why {
            /** The queue holds as many events as it may; the caller may retry later (429). */
            QUEUE_FULL,
            /** The queue cannot store anything now (shutting down, disk failure). */
            UNAVAILABLE
        }

        private final Why why;

        public Refused(Why why, String message, Throwable cause) {
            super(message, cause);
            this.why = Objects.requireNonNull(why, "why");
        }

        public Why why() {
            return why;
        }
    }
}
