package io.kindling.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A stand-in for the server's invoke path: per function, a script from the event to its result. Records
 * every delivery start, in order, with its time.
 */
final class ScriptedDelivery implements EventDelivery {
    record Start(QueuedEvent event, long nanos) {}

    static final Duration LIVENESS = Duration.ofSeconds(30);

    private final Map<String, Function<QueuedEvent, DeliveryResult>> scripts = new ConcurrentHashMap<>();
    private final List<Start> starts = new ArrayList<>();
    private final BlockingQueue<QueuedEvent> delivered = new LinkedBlockingQueue<>();

    ScriptedDelivery on(String function, Function<QueuedEvent, DeliveryResult> script) {
        scripts.put(function, script);
        return this;
    }

    @Override
    public DeliveryResult deliver(QueuedEvent event) {
        synchronized (starts) {
            starts.add(new Start(event, System.nanoTime()));
        }
        try {
            return scripts.getOrDefault(event.functionName(), e -> success("null")).apply(event);
        } finally {
            delivered.add(event);
        }
    }

    List<Start> starts() {
        synchronized (starts) {
            return List.copyOf(starts);
        }
    }

    List<String> startedFunctions() {
        return starts().stream().map(s -> s.event().functionName()).toList();
    }

    /** The next finished delivery; fails the test if none comes within the liveness bound. */
    QueuedEvent next() throws InterruptedException {
        QueuedEvent e = delivered.poll(LIVENESS.toMillis(), TimeUnit.MILLISECONDS);
        if (e == null) {
            throw new AssertionError("no delivery within " + LIVENESS);
        }
        return e;
    }

    /** The next finished delivery to {@code function}, skipping others. */
    QueuedEvent next(String function) throws InterruptedException {
        while (true) {
            QueuedEvent e = next();
            if (e.functionName().equals(function)) {
                return e;
            }
        }
    }

    /** Whether anything is delivered within {@code wait} (for "nothing more happens" checks). */
    QueuedEvent poll(Duration wait) throws InterruptedException {
        return delivered.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    static DeliveryResult success(String json) {
        return new DeliveryResult.Success(json.getBytes(), "$LATEST");
    }

    static DeliveryResult unhandled(String json) {
        return new DeliveryResult.FunctionError(json.getBytes(), "$LATEST", "Unhandled");
    }

    /** Waits (uninterruptibly for the delivery's purposes) until the latch opens. */
    static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            if (!latch.await(LIVENESS.toMillis() * 2, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("test latch never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
