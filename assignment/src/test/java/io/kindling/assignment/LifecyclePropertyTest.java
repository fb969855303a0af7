package io.kindling.assignment;

import static io.kindling.assignment.Samples.SETTINGS;
import static io.kindling.assignment.Samples.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.kindling.assignment.Effect.CompleteInvocation;
import io.kindling.assignment.Effect.DeliverInvocation;
import io.kindling.assignment.Effect.Destroy;
import io.kindling.assignment.Effect.FailInvocation;
import io.kindling.assignment.Effect.ReportInitFailure;
import io.kindling.assignment.Effect.ScheduleTimer;
import io.kindling.assignment.EnvironmentEvent.DeadlinePassed;
import io.kindling.assignment.EnvironmentEvent.EntrypointInvalid;
import io.kindling.assignment.EnvironmentEvent.ErrorReported;
import io.kindling.assignment.EnvironmentEvent.EvictionRequested;
import io.kindling.assignment.EnvironmentEvent.FreezeGracePassed;
import io.kindling.assignment.EnvironmentEvent.GracePassed;
import io.kindling.assignment.EnvironmentEvent.IdleTimeoutPassed;
import io.kindling.assignment.EnvironmentEvent.InitErrorReported;
import io.kindling.assignment.EnvironmentEvent.InvokeAssigned;
import io.kindling.assignment.EnvironmentEvent.ProcessExited;
import io.kindling.assignment.EnvironmentEvent.ResponseReported;
import io.kindling.assignment.EnvironmentEvent.RuntimeAskedForNext;
import io.kindling.assignment.EnvironmentEvent.SandboxReady;
import io.kindling.assignment.EnvironmentEvent.ShutdownRequested;
import io.kindling.assignment.EnvironmentState.Gone;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Random event sequences, fixed seed: whatever arrives in whatever order, an environment never holds two invocations,
 * answers every invocation exactly once, and is destroyed exactly once, at the end.
 */
class LifecyclePropertyTest {
    static final long SEED = 20260301L;
    static final int SEQUENCES = 5_000;
    static final int EVENTS_PER_SEQUENCE = 60;

    @Test
    void randomSequencesNeverDeliverTwiceWithoutAnAnswerAndAnswerEveryInvocationOnce() throws LifecycleException {
        var rnd = new Random(SEED);
        Set<String> legalPairsTaken = new HashSet<>();
        for (int sequence = 0; sequence < SEQUENCES; sequence++) {
            run(rnd, sequence, legalPairsTaken);
        }
        // Otherwise the walk could be "passing" by never getting anywhere interesting.
        Set<String> everyLegalPair = Samples.LEGAL.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(k -> k + "+" + e.getKey().getSimpleName()))
                .collect(Collectors.toSet());
        assertThat(legalPairsTaken).isEqualTo(everyLegalPair);
    }

    private static void run(Random rnd, int sequence, Set<String> legalPairsTaken) throws LifecycleException {
        var ledger = new Ledger("sequence " + sequence);
        int[] ids = {0};
        Supplier<InvocationId> fresh = () -> new InvocationId("s" + sequence + "-" + ++ids[0]);
        Instant now = T0;

        // One sequence in four is a provisioned environment: initialized with no invocation waiting, kept warm.
        boolean provisioned = sequence % 4 == 1;
        LifecycleSettings settings = provisioned ? SETTINGS.keepingWarm() : SETTINGS;
        Transition start;
        if (provisioned) {
            start = EnvironmentLifecycle.provision(now.plusSeconds(10), now, settings);
        } else {
            InvocationId first = fresh.get();
            ledger.assigned(first);
            start = EnvironmentLifecycle.start(first, now.plusSeconds(3), now, settings);
        }
        ledger.check(start);
        EnvironmentState state = start.next();

        for (int i = 0; i < EVENTS_PER_SEQUENCE; i++) {
            now = now.plusMillis(rnd.nextInt(2_000));
            EnvironmentEvent event = randomEvent(rnd, now, ledger, fresh);
            Transition t;
            try {
                t = EnvironmentLifecycle.next(state, event, now, settings);
            } catch (NotInState refused) {
                assertThat(Samples.legal(state, event)).as("%s refused %s + %s", ledger, state, event).isFalse();
                continue;
            } catch (WrongInvocation refused) {
                assertThat(refused.reported()).isNotEqualTo(ledger.delivered);
                continue;
            }
            assertThat(Samples.legal(state, event)).as("%s accepted %s + %s", ledger, state, event).isTrue();
            legalPairsTaken.add(state.kind() + "+" + Samples.name(event));
            if (event instanceof InvokeAssigned a) {
                ledger.assigned(a.invocation());
            }
            ledger.check(t);
            state = t.next();
        }
    }

    /** Progress events are weighted up so sequences get past cold start often; ends are weighted down. */
    private static EnvironmentEvent randomEvent(Random rnd, Instant now, Ledger ledger,
                                                Supplier<InvocationId> fresh) {
        return switch (rnd.nextInt(26)) {
            case 0, 1, 2 -> new SandboxReady();
            case 3, 4, 5 -> new RuntimeAskedForNext();
            case 6, 7, 8 -> new InvokeAssigned(fresh.get(), now.plusMillis(100 + rnd.nextInt(5_000)));
            case 9, 10, 11 -> new ResponseReported(reported(rnd, ledger));
            case 12, 13, 14 -> new ErrorReported(reported(rnd, ledger));
            case 15, 16, 17 -> new FreezeGracePassed();
            case 18 -> new InitErrorReported("Runtime.ImportModuleError");
            case 19 -> new DeadlinePassed();
            case 20 -> new ProcessExited(rnd.nextInt(256), rnd.nextInt(4) == 0);
            case 21 -> new IdleTimeoutPassed();
            case 22 -> new EvictionRequested();
            case 23 -> new ShutdownRequested();
            case 24 -> new EntrypointInvalid(Samples.MISSING_BOOTSTRAP);
            default -> new GracePassed();
        };
    }

    /** Mostly the invocation the runtime really holds; sometimes a stray id, as a confused runtime might send. */
    private static InvocationId reported(Random rnd, Ledger ledger) {
        return ledger.delivered != null && rnd.nextInt(10) > 0 ? ledger.delivered : new InvocationId("stray");
    }

    /** What the callers have been told so far, checked after every accepted transition. */
    private static final class Ledger {
        final String name;
        final Set<InvocationId> unanswered = new HashSet<>();
        InvocationId delivered;
        boolean destroyed;

        Ledger(String name) {
            this.name = name;
        }

        void assigned(InvocationId id) {
            assertThat(unanswered).as("%s: one invocation at a time", name).isEmpty();
            unanswered.add(id);
        }

        void check(Transition t) {
            assertThat(destroyed).as("%s: nothing happens after Destroy", name).isFalse();
            List<Effect> effects = t.effects();
            for (int i = 0; i < effects.size(); i++) {
                Effect effect = effects.get(i);
                boolean last = i == effects.size() - 1;
                switch (effect) {
                    case DeliverInvocation d -> {
                        assertThat(delivered).as("%s: %s delivered while %s is unanswered", name, d.invocation(),
                                delivered).isNull();
                        assertThat(unanswered).as(name).contains(d.invocation());
                        delivered = d.invocation();
                    }
                    case CompleteInvocation c -> {
                        assertThat(c.invocation()).as("%s: completes what it delivered", name).isEqualTo(delivered);
                        delivered = null;
                        assertThat(unanswered.remove(c.invocation())).as(name).isTrue();
                    }
                    case FailInvocation f -> {
                        assertThat(unanswered.remove(f.invocation())).as("%s: answered twice: %s", name, f).isTrue();
                        if (delivered != null) {
                            assertThat(f.invocation()).as(name).isEqualTo(delivered);
                        }
                        delivered = null;
                    }
                    case ReportInitFailure r -> assertThat(unanswered)
                            .as("%s: %s while an invocation waits for init", name, r).isEmpty();
                    case ScheduleTimer _ -> assertThat(last).as("%s: the timer comes last", name).isTrue();
                    case Destroy _ -> {
                        assertThat(last).as("%s: Destroy comes last", name).isTrue();
                        destroyed = true;
                    }
                    default -> { /* signals, freeze and thaw carry no invocation */ }
                }
            }
            assertThat(t.next() instanceof Gone).as("%s: Gone exactly when destroyed", name).isEqualTo(destroyed);
            if (destroyed) {
                assertThat(unanswered).as("%s: every caller answered before Gone", name).isEmpty();
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
