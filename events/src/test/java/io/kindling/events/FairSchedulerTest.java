package io.kindling.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The fairness rule as pure decisions: no threads, no clock, no SQLite. */
class FairSchedulerTest {
    static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");
    long seq;

    EventRef event(String function, Instant due) {
        return new EventRef(++seq, function, "$LATEST", T0, due, 0, 0);
    }

    static String take(FairScheduler s, Instant now) {
        return s.take(now).map(EventRef::functionName).orElse("-");
    }

    @Test
    void aFunctionIsFifoByDueTimeThenArrival() {
        FairScheduler s = new FairScheduler(4);
        EventRef late = event("f", T0.plusSeconds(5));
        EventRef first = event("f", T0);
        EventRef second = event("f", T0);
        s.add(late);
        s.add(second);
        s.add(first);
        assertThat(s.take(T0.plusSeconds(10))).contains(first);
        assertThat(s.take(T0.plusSeconds(10))).contains(second);
        assertThat(s.take(T0.plusSeconds(10))).contains(late);
    }

    @Test
    void nothingBeforeItIsDueAndTheWaitEndsAtTheNextDueTime() {
        FairScheduler s = new FairScheduler(4);
        s.add(event("f", T0.plusSeconds(3)));
        s.add(event("g", T0.plusSeconds(1)));
        assertThat(s.take(T0)).isEmpty();
        assertThat(s.nextDueAfter(T0)).contains(T0.plusSeconds(1));
        assertThat(take(s, T0.plusSeconds(1))).isEqualTo("g");
        assertThat(s.nextDueAfter(T0.plusSeconds(1))).contains(T0.plusSeconds(3));
        assertThat(s.nextDueAfter(T0.plusSeconds(3))).isEmpty();
    }

    @Test
    void slotsGoRoundRobinAmongReadyFunctions() {
        FairScheduler s = new FairScheduler(6);
        for (int i = 0; i < 10; i++) {
            s.add(event("a", T0));
            s.add(event("b", T0));
            s.add(event("c", T0));
        }
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            order.add(take(s, T0));
        }
        assertThat(order).containsExactly("a", "b", "c", "a", "b", "c");
        assertThat(take(s, T0)).as("every slot taken").isEqualTo("-");
    }

    @Test
    void aNoisyFunctionHoldsAtMostItsShareAndAQuietOneTakesTheNextFreeSlot() {
        FairScheduler s = new FairScheduler(4);
        List<EventRef> noisy = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            EventRef e = event("noisy", T0);
            noisy.add(e);
            s.add(e);
        }
        List<EventRef> running = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            running.add(s.take(T0).orElseThrow());
        }
        assertThat(running).extracting(EventRef::functionName).containsOnly("noisy");
        s.add(event("quiet", T0));
        assertThat(s.take(T0)).as("all slots busy").isEmpty();

        s.finished(running.removeFirst());
        assertThat(take(s, T0)).as("the next free slot").isEqualTo("quiet");
        // with two active functions the share is 2: noisy (3 in flight) must not take a freed slot
        s.finished(running.removeFirst());
        assertThat(s.take(T0)).isEmpty();
        s.finished(running.removeFirst());
        assertThat(take(s, T0)).isEqualTo("noisy");
    }

    @Test
    void aLoneFunctionMayUseEverySlot() {
        FairScheduler s = new FairScheduler(3);
        for (int i = 0; i < 5; i++) {
            s.add(event("f", T0));
        }
        assertThat(List.of(take(s, T0), take(s, T0), take(s, T0), take(s, T0))).containsExactly("f", "f", "f", "-");
        assertThat(s.inFlight()).isEqualTo(3);
    }

    @Test
    void loadsCountQueuedAndInFlightAndForgetIdleFunctions() {
        FairScheduler s = new FairScheduler(2);
        EventRef a = event("f", T0);
        s.add(a);
        s.add(new EventRef(++seq, "f", "$LATEST", T0.minusSeconds(9), T0, 0, 0));
        EventRef taken = s.take(T0).orElseThrow();
        assertThat(s.loads()).singleElement().satisfies(l -> {
            assertThat(l.queued()).isEqualTo(1);
            assertThat(l.inFlight()).isEqualTo(1);
            assertThat(l.oldestAcceptedAt()).contains(T0.minusSeconds(9));
        });
        assertThat(s.removeQueued("f")).isEqualTo(1);
        s.finished(taken);
        assertThat(s.loads()).isEmpty();
        assertThat(s.take(T0)).isEqualTo(Optional.empty());
    }
}
