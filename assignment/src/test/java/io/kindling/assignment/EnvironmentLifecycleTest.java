package io.kindling.assignment;

import static io.kindling.assignment.Samples.DEADLINE;
import static io.kindling.assignment.Samples.FIRST;
import static io.kindling.assignment.Samples.MISSING_BOOTSTRAP;
import static io.kindling.assignment.Samples.NOW;
import static io.kindling.assignment.Samples.SECOND;
import static io.kindling.assignment.Samples.SETTINGS;
import static io.kindling.assignment.Samples.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.kindling.assignment.Effect.CompleteInvocation;
import io.kindling.assignment.Effect.DeliverInvocation;
import io.kindling.assignment.Effect.Destroy;
import io.kindling.assignment.Effect.FailInvocation;
import io.kindling.assignment.Effect.Freeze;
import io.kindling.assignment.Effect.Outcome;
import io.kindling.assignment.Effect.ReportInitFailure;
import io.kindling.assignment.Effect.ScheduleTimer;
import io.kindling.assignment.Effect.SendSigkill;
import io.kindling.assignment.Effect.SendSigterm;
import io.kindling.assignment.Effect.StartSandbox;
import io.kindling.assignment.Effect.Thaw;
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
import io.kindling.assignment.EnvironmentState.AwaitingNext;
import io.kindling.assignment.EnvironmentState.Busy;
import io.kindling.assignment.EnvironmentState.Creating;
import io.kindling.assignment.EnvironmentState.Draining;
import io.kindling.assignment.EnvironmentState.Frozen;
import io.kindling.assignment.EnvironmentState.Gone;
import io.kindling.assignment.EnvironmentState.Idle;
import io.kindling.assignment.EnvironmentState.Initializing;
import io.kindling.assignment.EnvironmentState.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every legal transition with its exact effects, and the refusal of every illegal one. */
class EnvironmentLifecycleTest {

    static final Creating CREATING = new Creating(T0, FIRST, DEADLINE);
    static final Initializing INITIALIZING = new Initializing(T0, FIRST, DEADLINE);
    static final Creating PROVISIONING = new Creating(T0, Optional.empty(), DEADLINE, null);
    static final Initializing PROVISIONED_INIT = new Initializing(NOW, Optional.empty(), DEADLINE, null);
    static final Busy BUSY = new Busy(FIRST, DEADLINE, false);
    static final AwaitingNext AWAITING = new AwaitingNext(FIRST, DEADLINE);
    static final Idle IDLE = new Idle(T0);
    static final Frozen FROZEN = new Frozen(T0);
    static final Draining DRAINING = new Draining(T0, Reason.EVICTED);

    static final Instant SECOND_DEADLINE = NOW.plusSeconds(3);
    static final ScheduleTimer DEADLINE_TIMER = new ScheduleTimer(DEADLINE, new DeadlinePassed());
    static final ScheduleTimer GRACE_TIMER = new ScheduleTimer(NOW.plusMillis(300), new GracePassed());

    static Stream<Arguments> legalTransitions() {
        var oom = new ProcessExited(137, true);
        var exit = new ProcessExited(1, false);
        var assigned = new InvokeAssigned(SECOND, SECOND_DEADLINE);
        var secondTimer = new ScheduleTimer(SECOND_DEADLINE, new DeadlinePassed());
        return Stream.of(
                arguments(CREATING, new SandboxReady(),
                        new Initializing(NOW, FIRST, DEADLINE), List.of(DEADLINE_TIMER)),
                arguments(CREATING, new EntrypointInvalid(MISSING_BOOTSTRAP), new Gone(Reason.INIT_FAILED),
                        List.of(new FailInvocation(FIRST, new FunctionError.InvalidEntrypoint(MISSING_BOOTSTRAP)),
                                new Destroy())),
                arguments(INITIALIZING, new RuntimeAskedForNext(),
                        new Busy(FIRST, DEADLINE, true), List.of(new DeliverInvocation(FIRST), DEADLINE_TIMER)),
                arguments(AWAITING, new RuntimeAskedForNext(),
                        new Idle(NOW), List.of(new ScheduleTimer(NOW.plusSeconds(1), new FreezeGracePassed()))),
                arguments(IDLE, assigned,
                        new Busy(SECOND, SECOND_DEADLINE, false), List.of(new DeliverInvocation(SECOND), secondTimer)),
                arguments(FROZEN, assigned,
                        new Busy(SECOND, SECOND_DEADLINE, false),
                        List.of(new Thaw(), new DeliverInvocation(SECOND), secondTimer)),
                arguments(BUSY, new ResponseReported(FIRST),
                        AWAITING, List.of(new CompleteInvocation(FIRST, Outcome.RESPONSE), DEADLINE_TIMER)),
                arguments(BUSY, new ErrorReported(FIRST),
                        AWAITING, List.of(new CompleteInvocation(FIRST, Outcome.ERROR), DEADLINE_TIMER)),
                arguments(INITIALIZING, new InitErrorReported("Runtime.ImportModuleError"),
                        new Draining(NOW, Reason.INIT_FAILED),
                        List.of(new FailInvocation(FIRST, new FunctionError.InitError("Runtime.ImportModuleError")),
                                new SendSigterm(), GRACE_TIMER)),
                arguments(CREATING, new DeadlinePassed(), new Draining(NOW, Reason.TIMED_OUT),
                        List.of(new FailInvocation(FIRST, new FunctionError.Timeout()), new SendSigterm(), GRACE_TIMER)),
                arguments(INITIALIZING, new DeadlinePassed(), new Draining(NOW, Reason.TIMED_OUT),
                        List.of(new FailInvocation(FIRST, new FunctionError.Timeout()), new SendSigterm(), GRACE_TIMER)),
                arguments(BUSY, new DeadlinePassed(), new Draining(NOW, Reason.TIMED_OUT),
                        List.of(new FailInvocation(FIRST, new FunctionError.Timeout()), new SendSigterm(), GRACE_TIMER)),
                arguments(AWAITING, new DeadlinePassed(), new Draining(NOW, Reason.TIMED_OUT),
                        List.of(new SendSigterm(), GRACE_TIMER)),
                arguments(CREATING, exit, new Gone(Reason.INIT_FAILED),
                        List.of(new FailInvocation(FIRST, new FunctionError.RuntimeExit(1)), new Destroy())),
                arguments(INITIALIZING, exit, new Gone(Reason.INIT_FAILED),
                        List.of(new FailInvocation(FIRST, new FunctionError.RuntimeExit(1)), new Destroy())),
                arguments(INITIALIZING, oom, new Gone(Reason.OUT_OF_MEMORY),
                        List.of(new FailInvocation(FIRST, new FunctionError.OutOfMemory()), new Destroy())),
                arguments(BUSY, exit, new Gone(Reason.RUNTIME_EXIT),
                        List.of(new FailInvocation(FIRST, new FunctionError.RuntimeExit(1)), new Destroy())),
                arguments(BUSY, oom, new Gone(Reason.OUT_OF_MEMORY),
                        List.of(new FailInvocation(FIRST, new FunctionError.OutOfMemory()), new Destroy())),
                arguments(AWAITING, exit, new Gone(Reason.RUNTIME_EXIT), List.of(new Destroy())),
                arguments(IDLE, exit, new Gone(Reason.RUNTIME_EXIT), List.of(new Destroy())),
                arguments(FROZEN, oom, new Gone(Reason.OUT_OF_MEMORY), List.of(new Destroy())),
                arguments(DRAINING, new ProcessExited(143, false), new Gone(Reason.EVICTED), List.of(new Destroy())),
                arguments(IDLE, new IdleTimeoutPassed(), new Draining(NOW, Reason.IDLE_TIMEOUT),
                        List.of(new SendSigterm(), GRACE_TIMER)),
                arguments(FROZEN, new IdleTimeoutPassed(), new Draining(NOW, Reason.IDLE_TIMEOUT),
                        List.of(new Thaw(), new SendSigterm(), GRACE_TIMER)),
                arguments(IDLE, new FreezeGracePassed(), new Frozen(T0),
                        List.of(new Freeze(), new ScheduleTimer(T0.plus(Duration.ofMinutes(10)),
                                new IdleTimeoutPassed()))),
                arguments(IDLE, new EvictionRequested(), new Draining(NOW, Reason.EVICTED),
                        List.of(new SendSigterm(), GRACE_TIMER)),
                arguments(FROZEN, new EvictionRequested(), new Draining(NOW, Reason.EVICTED),
                        List.of(new Thaw(), new SendSigterm(), GRACE_TIMER)),
                arguments(IDLE, new ShutdownRequested(), new Draining(NOW, Reason.SHUTDOWN),
                        List.of(new SendSigterm(), GRACE_TIMER)),
                arguments(FROZEN, new ShutdownRequested(), new Draining(NOW, Reason.SHUTDOWN),
                        List.of(new Thaw(), new SendSigterm(), GRACE_TIMER)),
                arguments(DRAINING, new GracePassed(), new Gone(Reason.EVICTED),
                        List.of(new SendSigkill(), new Destroy())),
                // A provisioned environment: no invocation waits for init, so failures go to its pool.
                arguments(PROVISIONING, new SandboxReady(), PROVISIONED_INIT, List.of(DEADLINE_TIMER)),
                arguments(PROVISIONED_INIT, new RuntimeAskedForNext(), new Idle(NOW),
                        List.of(new ScheduleTimer(NOW.plusSeconds(1), new FreezeGracePassed()))),
                arguments(PROVISIONING, new EntrypointInvalid(MISSING_BOOTSTRAP), new Gone(Reason.INIT_FAILED),
                        List.of(new ReportInitFailure(new FunctionError.InvalidEntrypoint(MISSING_BOOTSTRAP)),
                                new Destroy())),
                arguments(PROVISIONED_INIT, new InitErrorReported("Runtime.ImportModuleError"),
                        new Draining(NOW, Reason.INIT_FAILED),
                        List.of(new ReportInitFailure(new FunctionError.InitError("Runtime.ImportModuleError")),
                                new SendSigterm(), GRACE_TIMER)),
                arguments(PROVISIONING, new DeadlinePassed(), new Draining(NOW, Reason.TIMED_OUT),
                        List.of(new ReportInitFailure(new FunctionError.Timeout()), new SendSigterm(), GRACE_TIMER)),
                arguments(PROVISIONED_INIT, new DeadlinePassed(), new Draining(NOW, Reason.TIMED_OUT),
                        List.of(new ReportInitFailure(new FunctionError.Timeout()), new SendSigterm(), GRACE_TIMER)),
                arguments(PROVISIONING, exit, new Gone(Reason.INIT_FAILED),
                        List.of(new ReportInitFailure(new FunctionError.RuntimeExit(1)), new Destroy())),
                arguments(PROVISIONED_INIT, oom, new Gone(Reason.OUT_OF_MEMORY),
                        List.of(new ReportInitFailure(new FunctionError.OutOfMemory()), new Destroy())));
    }

    @ParameterizedTest(name = "{0} + {1} -> {2}")
    @MethodSource("legalTransitions")
    void legalTransitionGivesStateAndEffects(EnvironmentState state, EnvironmentEvent event, EnvironmentState expected,
                                             List<Effect> effects) throws LifecycleException {
        Transition t = EnvironmentLifecycle.next(state, event, NOW, SETTINGS);

        assertThat(t.next()).isEqualTo(expected);
        assertThat(t.effects()).containsExactlyElementsOf(effects);
    }

    @Test
    void theTableCoversEveryLegalPair() {
        long legalPairs = Samples.LEGAL.values().stream().mapToLong(Set::size).sum();
        long distinctPairsInTable = legalTransitions()
                .map(a -> ((EnvironmentState) a.get()[0]).kind() + "+" + Samples.name(a.get()[1]))
                .distinct().count();
        assertThat(distinctPairsInTable).isEqualTo(legalPairs);
    }

    static Stream<Arguments> everyPair() {
        return Samples.STATES.stream().flatMap(s -> Samples.EVENTS.stream().map(e -> arguments(s, e)));
    }

    @ParameterizedTest(name = "{0} + {1}")
    @MethodSource("everyPair")
    void anEventIsAcceptedExactlyWhereItIsLegalAndRefusedByNameElsewhere(EnvironmentState state,
                                                                         EnvironmentEvent event) {
        if (Samples.legal(state, event)) {
            assertThatCode(() -> EnvironmentLifecycle.next(state, event, NOW, SETTINGS)).doesNotThrowAnyException();
        } else {
            assertThatThrownBy(() -> EnvironmentLifecycle.next(state, event, NOW, SETTINGS))
                    .isInstanceOfSatisfying(NotInState.class, e -> {
                        assertThat(e.actual()).isEqualTo(state);
                        assertThat(e.event()).isEqualTo(event);
                        assertThat(e.expected()).isEqualTo(Samples.LEGAL.get(event.getClass()));
                        assertThat(e).hasMessageContaining(Samples.name(event)).hasMessageContaining("legal only in");
                    });
        }
    }

    @Test
    void startCreatesTheSandboxAndBoundsCreationByTheFirstDeadline() {
        Transition t = EnvironmentLifecycle.start(FIRST, DEADLINE, T0, SETTINGS);

        assertThat(t.next()).isEqualTo(new Creating(T0, FIRST, DEADLINE));
        assertThat(t.effects()).containsExactly(new StartSandbox(), DEADLINE_TIMER);
    }

    @Test
    void withLambdasSplitInitHasItsOwnLimitAndTheFirstInvocationGetsItsWholeTimeoutAfterInit() throws Exception {
        Instant initDeadline = T0.plusSeconds(10);
        Transition created = EnvironmentLifecycle.start(FIRST, initDeadline, Duration.ofSeconds(3), T0, SETTINGS);
        assertThat(created.effects()).contains(new ScheduleTimer(initDeadline, new DeadlinePassed()));

        Transition ready = EnvironmentLifecycle.next(created.next(), new SandboxReady(), T0.plusSeconds(1), SETTINGS);
        Transition firstNext = EnvironmentLifecycle.next(ready.next(), new RuntimeAskedForNext(), T0.plusSeconds(7),
                SETTINGS);

        assertThat(ready.next()).isEqualTo(new Initializing(T0.plusSeconds(1), FIRST, initDeadline, Duration.ofSeconds(3)));
        assertThat(firstNext.next()).isEqualTo(new Busy(FIRST, T0.plusSeconds(10), true));
        assertThat(firstNext.effects()).contains(new ScheduleTimer(T0.plusSeconds(10), new DeadlinePassed()));
        Transition tooSlow = EnvironmentLifecycle.next(ready.next(), new DeadlinePassed(), initDeadline, SETTINGS);
        assertThat(tooSlow.next()).isInstanceOf(Draining.class);
        assertThat(tooSlow.effects()).contains(new FailInvocation(FIRST, new FunctionError.Timeout()));
    }

    @Test
    void provisionCreatesTheSandboxWithNoInvocationWaitingAndBoundsInitByItsOwnDeadline() {
        Instant initDeadline = T0.plusSeconds(10);

        Transition t = EnvironmentLifecycle.provision(initDeadline, T0, SETTINGS);

        assertThat(t.next()).isEqualTo(new Creating(T0, Optional.empty(), initDeadline, null));
        assertThat(t.effects()).containsExactly(new StartSandbox(), new ScheduleTimer(initDeadline, new DeadlinePassed()));
    }

    @Test
    void aKeptWarmEnvironmentFreezesButNeverTimesOutIdle() throws LifecycleException {
        LifecycleSettings kept = SETTINGS.keepingWarm();

        assertThat(EnvironmentLifecycle.timeoutOf(IDLE, kept))
                .contains(new ScheduleTimer(T0.plusSeconds(1), new FreezeGracePassed()));
        Transition frozen = EnvironmentLifecycle.next(IDLE, new FreezeGracePassed(), NOW, kept);
        assertThat(frozen.next()).isEqualTo(FROZEN);
        assertThat(frozen.effects()).containsExactly(new Freeze());
        assertThat(EnvironmentLifecycle.timeoutOf(FROZEN, kept)).isEmpty();
        var neverFrozen = new LifecycleSettings(Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMillis(300))
                .keepingWarm();
        assertThat(EnvironmentLifecycle.timeoutOf(IDLE, neverFrozen)).isEmpty();
        // Everything else keeps its timeout: a kept-warm invocation still has its deadline.
        assertThat(EnvironmentLifecycle.timeoutOf(BUSY, kept)).contains(DEADLINE_TIMER);
        assertThat(LifecycleSettings.DEFAULTS.keepWarm()).isFalse();
    }

    @Test
    void anEventMessageIsRequired() {
        assertThatThrownBy(() -> new EntrypointInvalid(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new InitErrorReported("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aResultForAnotherInvocationIsRefused() {
        var stray = new InvocationId("req-stray");
        for (EnvironmentEvent report : List.of(new ResponseReported(stray), new ErrorReported(stray))) {
            assertThatThrownBy(() -> EnvironmentLifecycle.next(BUSY, report, NOW, SETTINGS))
                    .isInstanceOfSatisfying(WrongInvocation.class, e -> {
                        assertThat(e.expected()).isEqualTo(FIRST);
                        assertThat(e.reported()).isEqualTo(stray);
                    });
        }
    }

    @Test
    void everyStateButGoneHasATimeoutSoNothingWaitsForever() {
        for (EnvironmentState state : Samples.STATES) {
            assertThat(EnvironmentLifecycle.timeoutOf(state, SETTINGS).isPresent()).as("%s", state)
                    .isEqualTo(!(state instanceof Gone));
        }
        assertThat(EnvironmentLifecycle.timeoutOf(new Gone(Reason.SHUTDOWN), SETTINGS)).isEmpty();
        assertThat(EnvironmentLifecycle.timeoutOf(new Draining(T0, Reason.SHUTDOWN), SETTINGS))
                .contains(new ScheduleTimer(T0.plusMillis(300), new GracePassed()));
        assertThat(EnvironmentLifecycle.timeoutOf(FROZEN, SETTINGS))
                .contains(new ScheduleTimer(T0.plus(Duration.ofMinutes(10)), new IdleTimeoutPassed()));
    }

    @Test
    void anIdleEnvironmentIsNeverFrozenWhenTheFreezeDelayReachesTheIdleTimeout() {
        var noFreezing = new LifecycleSettings(Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMillis(300));

        assertThat(EnvironmentLifecycle.timeoutOf(IDLE, noFreezing))
                .contains(new ScheduleTimer(T0.plus(Duration.ofMinutes(5)), new IdleTimeoutPassed()));
    }

    @Test
    void aFrozenEnvironmentTimesOutFromItsLastUseNotFromWhenItWasFrozen() throws LifecycleException {
        Transition frozen = EnvironmentLifecycle.next(new Idle(T0), new FreezeGracePassed(), T0.plusSeconds(1),
                SETTINGS);

        assertThat(frozen.effects().getLast())
                .isEqualTo(new ScheduleTimer(T0.plus(Duration.ofMinutes(10)), new IdleTimeoutPassed()));
    }

    @Test
    void settingsRefuseNonsense() {
        Duration one = Duration.ofSeconds(1);
        assertThatThrownBy(() -> new LifecycleSettings(Duration.ZERO, one, one))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LifecycleSettings(one, one.negated(), one))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LifecycleSettings(one, one, one.negated()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(LifecycleSettings.DEFAULTS.shutdownGrace()).isEqualTo(Duration.ofMillis(300));
    }

    static Stream<Arguments> errorTypes() {
        return Stream.of(
                arguments(new FunctionError.Timeout(), "Sandbox.Timedout"),
                arguments(new FunctionError.RuntimeExit(1), "Runtime.ExitError"),
                arguments(new FunctionError.OutOfMemory(), "Runtime.OutOfMemory"),
                arguments(new FunctionError.InvalidEntrypoint(MISSING_BOOTSTRAP), "Runtime.InvalidEntrypoint"),
                arguments(new FunctionError.InitError("Runtime.HandlerNotFound"), "Runtime.HandlerNotFound"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("errorTypes")
    void functionErrorsCarryLambdasErrorTypes(FunctionError error, String errorType) {
        assertThat(error.errorType()).isEqualTo(errorType);
    }
}
