package io.kindling.worker.runtimeapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Records what a channel tells the worker, in order, so tests can wait for an event instead of sleeping. */
final class RecordingListener implements RuntimeApiListener {
    sealed interface Event {
        record AskedForNext() implements Event {}

        record Outcome(InvocationRequest request, RuntimeOutcome outcome) implements Event {}

        record InitError(RuntimeOutcome.InitError error) implements Event {}
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

    @Override
    public void runtimeAskedForNext() {
        events.add(new Event.AskedForNext());
    }

    @Override
    public void outcome(InvocationRequest request, RuntimeOutcome outcome) {
        events.add(new Event.Outcome(request, outcome));
    }

    @Override
    public void initError(RuntimeOutcome.InitError error) {
        events.add(new Event.InitError(error));
    }

    /** The next event, failing the test if none arrives within 10 seconds. */
    Event next() throws InterruptedException {
        Event event = events.poll(10, TimeUnit.SECONDS);
        assertThat(event).as("an event from the channel within 10 s").isNotNull();
        return event;
    }

    /** Waits until the runtime's GET /next has reached the channel (and, with nothing delivered, is parked). */
    void awaitAskedForNext() throws InterruptedException {
        assertThat(next()).isInstanceOf(Event.AskedForNext.class);
    }

    <T extends Event> T next(Class<T> type) throws InterruptedException {
        return type.cast(assertThat(next()).isInstanceOf(type).actual());
    }

    boolean isEmpty() {
        return events.isEmpty();
    }
}
