package io.kindling.events;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * Which queued event gets the next free delivery slot: pure decisions over in-memory state, no
 * threads, no clock of its own (the caller passes {@code now}). Not thread-safe: the queue calls it
 * under its one lock.
 *
 * <p>The rule, exact rather than Lambda's stochastic fairness queuing because one node sees every
 * function: each function has its own queue, FIFO by due time. A free slot goes to the <em>ready</em>
 * function (its oldest event is due) that was served least recently, but never to one whose
 * in-flight count is at or above its fair share ⌈parallelism / active functions⌉, where active
 * means ready or with deliveries in flight. So a function with thousands of failing or slow events
 * holds at most its share, and another function's first event takes the very next free slot.
 */
final class FairScheduler {
    private static final Comparator<EventRef> BY_DUE =
            Comparator.comparing(EventRef::dueAt).thenComparingLong(EventRef::seq);

    /** One function's queued events and deliveries; dropped when both are empty, so memory follows load. */
    private static final class FunctionQueue {
        final PriorityQueue<EventRef> queued = new PriorityQueue<>(BY_DUE);
        final Map<Long, EventRef> inFlight = new HashMap<>();
        long lastServed;

        boolean readyAt(Instant now) {
            EventRef head = queued.peek();
            return head != null && !head.dueAt().isAfter(now);
        }
    }

    private final int parallelism;
    private final Map<String, FunctionQueue> functions = new HashMap<>();
    private int inFlight;
    private long tick;

    FairScheduler(int parallelism) {
        this.parallelism = parallelism;
    }

    void add(EventRef event) {
        functions.computeIfAbsent(event.functionName(), k -> new FunctionQueue()).queued.add(event);
    }

    /**
     * Takes the event that gets the next slot, marking it in flight; empty when every slot is taken,
     * nothing is due, or every ready function is at its share.
     */
    Optional<EventRef> take(Instant now) {
        if (inFlight >= parallelism) {
            return Optional.empty();
        }
        int active = 0;
        for (FunctionQueue q : functions.values()) {
            if (!q.inFlight.isEmpty() || q.readyAt(now)) {
                active++;
            }
        }
        if (active == 0) {
            return Optional.empty();
        }
        int share = (parallelism + active - 1) / active;
        String chosen = null;
        FunctionQueue best = null;
        for (Map.Entry<String, FunctionQueue> e : functions.entrySet()) {
            FunctionQueue q = e.getValue();
            if (!q.readyAt(now) || q.inFlight.size() >= share) {
                continue;
            }
            if (best == null || q.lastServed < best.lastServed
                    || (q.lastServed == best.lastServed && e.getKey().compareTo(chosen) < 0)) {
                best = q;
                chosen = e.getKey();
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        EventRef event = best.queued.poll();
        best.inFlight.put(event.seq(), event);
        best.lastServed = ++tick;
        inFlight++;
        return Optional.of(event);
    }

    /** The delivery of {@code event} ended (whatever became of the event); its slot is free. */
    void finished(EventRef event) {
        FunctionQueue q = functions.get(event.functionName());
        if (q != null && q.inFlight.remove(event.seq()) != null) {
            inFlight--;
            dropIfIdle(event.functionName(), q);
        }
    }

    /** The earliest time a queued event that is not yet due becomes due: when a timed wait should end. */
    Optional<Instant> nextDueAfter(Instant now) {
        Instant next = null;
        for (FunctionQueue q : functions.values()) {
            EventRef head = q.queued.peek();
            if (head != null && head.dueAt().isAfter(now) && (next == null || head.dueAt().isBefore(next))) {
                next = head.dueAt();
            }
        }
        return Optional.ofNullable(next);
    }

    /** Forgets a function's queued events (in-flight ones end through {@link #finished}); returns how many. */
    int removeQueued(String functionName) {
        FunctionQueue q = functions.get(functionName);
        if (q == null) {
            return 0;
        }
        int n = q.queued.size();
        q.queued.clear();
        dropIfIdle(functionName, q);
        return n;
    }

    int inFlight() {
        return inFlight;
    }

    /** Per function: queued, in flight, oldest accepted time. Walks every event: for occasional visibility calls. */
    List<Load> loads() {
        List<Load> out = new ArrayList<>();
        functions.forEach((name, q) -> {
            Instant oldest = null;
            for (EventRef e : q.queued) {
                oldest = oldest == null || e.acceptedAt().isBefore(oldest) ? e.acceptedAt() : oldest;
            }
            for (EventRef e : q.inFlight.values()) {
                oldest = oldest == null || e.acceptedAt().isBefore(oldest) ? e.acceptedAt() : oldest;
            }
            out.add(new Load(name, q.queued.size(), q.inFlight.size(), Optional.ofNullable(oldest)));
        });
        return out;
    }

    record Load(String functionName, int queued, int inFlight, Optional<Instant> oldestAcceptedAt) {}

    private void dropIfIdle(String functionName, FunctionQueue q) {
        if (q.queued.isEmpty() && q.inFlight.isEmpty()) {
            functions.remove(functionName);
        }
    }
}
