package io.kindling.server;

import io.kindling.events.DeadLetter;
import io.kindling.events.EventQueue;
import io.kindling.events.EventQueueException;
import io.kindling.events.NewEvent;
import io.kindling.events.QueueFullException;
import io.kindling.events.QueueStats;
import io.kindling.frontend.AsyncEvents;
import io.kindling.wire.DeadLetterEntry;
import io.kindling.wire.QueueStatus;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The frontend's {@link AsyncEvents} over this node's durable {@link EventQueue}. */
final class QueuedEvents implements AsyncEvents {
    private static final Logger log = LoggerFactory.getLogger(QueuedEvents.class);

    private final EventQueue queue;
    private final Clock clock;

    QueuedEvents(EventQueue queue, Clock clock) {
        this.queue = queue;
        this.clock = clock;
    }

    @Override
    public void accept(Event event) throws Refused, InterruptedException {
        try {
            queue.enqueue(new NewEvent(event.id(), event.functionName(), event.qualifier(), event.payload(),
                    clock.instant())).get();
        } catch (QueueFullException e) {
            throw new Refused(Refused.Why.QUEUE_FULL, "The asynchronous queue holds its maximum of " + e.limit
                    + " events; retry later.", e);
        } catch (ExecutionException e) {
            throw new Refused(Refused.Why.UNAVAILABLE, "The event could not be stored: "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public List<QueueStatus> queues() {
        return read(() -> queue.queues().stream().map(QueuedEvents::status).toList());
    }

    @Override
    public List<DeadLetterEntry> deadLetters(String function, int max) {
        return read(() -> queue.deadLetters(function, max).stream().map(QueuedEvents::entry).toList());
    }

    @Override
    public int replay(String function, Optional<String> id) {
        return read(() -> queue.replay(function, id));
    }

    @Override
    public void functionDeleted(String function) {
        try {
            queue.functionDeleted(function);
        } catch (EventQueueException e) {
            // The events stay stored; delivering them finds no function and drops them then.
            log.warn("the queued events of deleted function {} could not be dropped now: {}", function, e.getMessage());
        }
    }

    private static QueueStatus status(QueueStats stats) {
        return new QueueStatus(stats.functionName(), stats.queued(), stats.inFlight(), stats.deadLetters(),
                stats.oldestAge().toMillis() / 1000.0);
    }

    private static DeadLetterEntry entry(DeadLetter d) {
        return new DeadLetterEntry(d.id(), d.functionName(), d.qualifier(), d.condition().name(),
                new String(d.payload(), StandardCharsets.UTF_8), d.errorType(), d.errorMessage(), d.attempts(),
                d.enqueuedAt().toString(), d.failedAt().toString());
    }

    private interface QueueRead<T> {
        T get() throws EventQueueException;
    }

    /** The queue's storage failing is the server's fault: a 500 from the frontend, with the cause in the log. */
    private static <T> T read(QueueRead<T> read) {
        try {
            return read.get();
        } catch (EventQueueException e) {
            throw new IllegalStateException("the async queue could not be read: " + e.getMessage(), e);
        }
    }
}
