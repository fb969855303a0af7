package io.kindling.assignment;

import static io.kindling.assignment.EnvironmentState.Kind.AWAITING_NEXT;
import static io.kindling.assignment.EnvironmentState.Kind.BUSY;
import static io.kindling.assignment.EnvironmentState.Kind.CREATING;
import static io.kindling.assignment.EnvironmentState.Kind.DRAINING;
import static io.kindling.assignment.EnvironmentState.Kind.FROZEN;
import static io.kindling.assignment.EnvironmentState.Kind.GONE;
import static io.kindling.assignment.EnvironmentState.Kind.IDLE;
import static io.kindling.assignment.EnvironmentState.Kind.INITIALIZING;
import static io.kindling.assignment.Samples.FIRST;
import static io.kindling.assignment.Samples.SECOND;
import static io.kindling.assignment.Samples.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.assignment.Effect.CompleteInvocation;
import io.kindling.assignment.Effect.DeliverInvocation;
import io.kindling.assignment.Effect.Destroy;
import io.kindling.assignment.Effect.FailInvocation;
import io.kindling.assignment.Effect.Freeze;
import io.kindling.assignment.Effect.Outcome;
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
import io.kindling.assignment.EnvironmentEvent.InitErrorReported;
import io.kindling.assignment.EnvironmentEvent.InvokeAssigned;
import io.kindling.assignment.EnvironmentEvent.ProcessExited;
import io.kindling.assignment.EnvironmentEvent.ResponseReported;
import io.kindling.assignment.EnvironmentEvent.RuntimeAskedForNext;
import io.kindling.assignment.EnvironmentEvent.SandboxReady;
import io.kindling.assignment.EnvironmentEvent.ShutdownRequested;
import io.kindling.assignment.EnvironmentState.Busy;
import io.kindling.assignment.EnvironmentState.Draining;
import io.kindling.assignment.EnvironmentState.Gone;
import io.kindling.assignment.EnvironmentState.Reason;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Whole lives of one environment, driven by a hand-moved clock and its own timers. */
class LifecycleScenarioTest {
    static final Duration TIMEOUT = Duration.ofSeconds(3);
    static final LifecycleSettings SETTINGS = LifecycleSettings.DEFAULTS;

    /** Cold start and first invocation done: the runtime is parked in /next. */
    static ScriptedEnvironment warm(LifecycleSettings settings) throws LifecycleException {
        var env = ScriptedEnvironment.start(FIRST, TIMEOUT, T0, settings);
        env.after(Duration.ofMillis(5)).on(new SandboxReady());
        env.after(Duration.ofMillis(200)).on(new RuntimeAskedForNext());
        env.after(Duration.ofMillis(50)).on(new ResponseReported(FIRST));
        env.after(Duration.ofMillis(1)).on(new RuntimeAskedForNext());
        assertThat(env.state().kind()).isEqualTo(IDLE);
        return env;
    }

    @Test
    void happyPathFromColdStartThroughFreezeAndThawToIdleTimeout() throws LifecycleException {
        var env = ScriptedEnvironment.start(FIRST, TIMEOUT, T0, SETTINGS);
        assertThat(env.startEffects).containsExactly(new StartSandbox());

        assertThat(env.after(Duration.ofMillis(5)).on(new SandboxReady())).isEmpty();
        assertThat(env.after(Duration.ofMillis(200)).on(new RuntimeAskedForNext()))
                .containsExactly(new DeliverInvocation(FIRST));
        assertThat(env.state()).isEqualTo(new Busy(FIRST, T0.plus(TIMEOUT), true));
        assertThat(env.after(Duration.ofMillis(50)).on(new ResponseReported(FIRST)))
                .containsExactly(new CompleteInvocation(FIRST, Outcome.RESPONSE));
        assertThat(env.after(Duration.ofMillis(1)).on(new RuntimeAskedForNext())).isEmpty();
        // The invocation's deadline timer is gone with Busy; Idle's own timer replaced it.
        assertThat(env.armed()).isEqualTo(new ScheduleTimer(env.now().plusSeconds(1), new FreezeGracePassed()));

        assertThat(env.fireTimer()).containsExactly(new Freeze());
        assertThat(env.after(Duration.ofSeconds(30)).on(new InvokeAssigned(SECOND, env.now().plus(TIMEOUT))))
                .containsExactly(new Thaw(), new DeliverInvocation(SECOND));
        assertThat(env.state()).isInstanceOfSatisfying(Busy.class, b -> assertThat(b.coldStart()).isFalse());
        assertThat(env.after(Duration.ofMillis(20)).on(new ResponseReported(SECOND)))
                .containsExactly(new CompleteInvocation(SECOND, Outcome.RESPONSE));
        env.on(new RuntimeAskedForNext());
        var lastUse = env.now();

        assertThat(env.fireTimer()).containsExactly(new Freeze());
        assertThat(env.fireTimer()).containsExactly(new Thaw(), new SendSigterm());
        assertThat(env.now()).isEqualTo(lastUse.plus(SETTINGS.idleTimeout()));
        assertThat(env.state()).isEqualTo(new Draining(env.now(), Reason.IDLE_TIMEOUT));
        assertThat(env.after(Duration.ofMillis(40)).on(new ProcessExited(0, false))).containsExactly(new Destroy());

        assertThat(env.state()).isEqualTo(new Gone(Reason.IDLE_TIMEOUT));
        assertThat(env.armed()).isNull();
        assertThat(env.path()).containsExactly(CREATING, INITIALIZING, BUSY, AWAITING_NEXT, IDLE, FROZEN,
                BUSY, AWAITING_NEXT, IDLE, FROZEN, DRAINING, GONE);
    }

    @Test
    void idleTimeoutSendsSigtermThenSigkillAfterTheGrace() throws LifecycleException {
        var neverFreeze = new LifecycleSettings(Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMillis(300));
        var env = warm(neverFreeze);

        assertThat(env.fireTimer()).containsExactly(new SendSigterm());
        assertThat(env.state()).isEqualTo(new Draining(env.now(), Reason.IDLE_TIMEOUT));
        assertThat(env.armed()).isEqualTo(new ScheduleTimer(env.now().plusMillis(300), new GracePassed()));
        // The runtime ignores SIGTERM.
        assertThat(env.fireTimer()).containsExactly(new SendSigkill(), new Destroy());
        assertThat(env.state()).isEqualTo(new Gone(Reason.IDLE_TIMEOUT));
    }

    @Test
    void aTimedOutInvocationFailsAndItsEnvironmentIsNeverReused() throws LifecycleException {
        var env = warm(SETTINGS);
        env.on(new InvokeAssigned(SECOND, env.now().plus(TIMEOUT)));

        assertThat(env.fireTimer()).containsExactly(
                new FailInvocation(SECOND, new FunctionError.Timeout()), new SendSigterm());
        assertThat(env.state().kind()).isEqualTo(DRAINING);
        // A late result and a new invocation are both refused: the environment is on its way out.
        assertThatThrownBy(() -> env.on(new ResponseReported(SECOND))).isInstanceOf(NotInState.class);
        assertThatThrownBy(() -> env.on(new InvokeAssigned(new InvocationId("req-3"), env.now().plus(TIMEOUT))))
                .isInstanceOf(NotInState.class);
        assertThat(env.fireTimer()).containsExactly(new SendSigkill(), new Destroy());
        assertThat(env.state()).isEqualTo(new Gone(Reason.TIMED_OUT));
    }

    @Test
    void aTimeoutDuringInitFailsTheFirstInvocation() throws LifecycleException {
        var env = ScriptedEnvironment.start(FIRST, TIMEOUT, T0, SETTINGS);
        env.on(new SandboxReady());

        assertThat(env.fireTimer()).containsExactly(
                new FailInvocation(FIRST, new FunctionError.Timeout()), new SendSigterm());
        assertThat(env.now()).isEqualTo(T0.plus(TIMEOUT));
    }

    @Test
    void aCrashInBusyFailsTheInvocationWithRuntimeExitError() throws LifecycleException {
        var env = warm(SETTINGS);
        env.on(new InvokeAssigned(SECOND, env.now().plus(TIMEOUT)));

        var effects = env.after(Duration.ofMillis(10)).on(new ProcessExited(1, false));

        assertThat(effects).containsExactly(new FailInvocation(SECOND, new FunctionError.RuntimeExit(1)),
                new Destroy());
        assertThat(((FailInvocation) effects.getFirst()).error().errorType()).isEqualTo("Runtime.ExitError");
        assertThat(env.state()).isEqualTo(new Gone(Reason.RUNTIME_EXIT));
        assertThat(env.armed()).isNull();
    }

    @Test
    void anOomKillFailsTheInvocationWithRuntimeOutOfMemory() throws LifecycleException {
        var env = warm(SETTINGS);
        env.on(new InvokeAssigned(SECOND, env.now().plus(TIMEOUT)));

        var effects = env.on(new ProcessExited(137, true));

        assertThat(effects).containsExactly(new FailInvocation(SECOND, new FunctionError.OutOfMemory()),
                new Destroy());
        assertThat(((FailInvocation) effects.getFirst()).error().errorType()).isEqualTo("Runtime.OutOfMemory");
        assertThat(env.state()).isEqualTo(new Gone(Reason.OUT_OF_MEMORY));
    }

    @Test
    void aReportedInitErrorGoesToTheFirstInvocationWithTheRuntimesType() throws LifecycleException {
        var env = ScriptedEnvironment.start(FIRST, TIMEOUT, T0, SETTINGS);
        env.on(new SandboxReady());

        assertThat(env.on(new InitErrorReported("Runtime.ImportModuleError"))).containsExactly(
                new FailInvocation(FIRST, new FunctionError.InitError("Runtime.ImportModuleError")),
                new SendSigterm());
        assertThat(env.state().kind()).isEqualTo(DRAINING);
        // The runtime then exits as asked: torn down, and the caller is not answered twice.
        assertThat(env.on(new ProcessExited(1, false))).containsExactly(new Destroy());
        assertThat(env.state()).isEqualTo(new Gone(Reason.INIT_FAILED));
    }

    @Test
    void anInvalidEntrypointAnswersTheFirstInvocationAndEndsTheEnvironmentWithoutSignals() throws LifecycleException {
        var env = ScriptedEnvironment.start(FIRST, TIMEOUT, T0, SETTINGS);

        // Found before anything started: no SIGTERM, no grace, nothing to wait for.
        assertThat(env.on(new EntrypointInvalid(Samples.MISSING_BOOTSTRAP))).containsExactly(
                new FailInvocation(FIRST, new FunctionError.InvalidEntrypoint(Samples.MISSING_BOOTSTRAP)),
                new Destroy());
        assertThat(env.state()).isEqualTo(new Gone(Reason.INIT_FAILED));
        assertThat(env.armed()).isNull();
        assertThat(env.path()).containsExactly(CREATING, GONE);
    }

    @Test
    void anExitBeforeTheFirstNextIsAnInitErrorOfTypeRuntimeExitError() throws LifecycleException {
        var env = ScriptedEnvironment.start(FIRST, TIMEOUT, T0, SETTINGS);
        env.on(new SandboxReady());

        assertThat(env.on(new ProcessExited(2, false))).containsExactly(
                new FailInvocation(FIRST, new FunctionError.RuntimeExit(2)), new Destroy());
        assertThat(env.state()).isEqualTo(new Gone(Reason.INIT_FAILED));
    }

    @Test
    void aHandlerErrorKeepsTheEnvironmentWarm() throws LifecycleException {
        var env = warm(SETTINGS);
        env.on(new InvokeAssigned(SECOND, env.now().plus(TIMEOUT)));

        assertThat(env.on(new ErrorReported(SECOND))).containsExactly(new CompleteInvocation(SECOND, Outcome.ERROR));
        env.on(new RuntimeAskedForNext());

        var third = new InvocationId("req-3");
        assertThat(env.on(new InvokeAssigned(third, env.now().plus(TIMEOUT))))
                .containsExactly(new DeliverInvocation(third));
    }

    @Test
    void evictionThawsAFrozenEnvironmentBeforeAskingItToExit() throws LifecycleException {
        var env = warm(SETTINGS);
        env.fireTimer();
        assertThat(env.state().kind()).isEqualTo(FROZEN);

        assertThat(env.on(new EvictionRequested())).containsExactly(new Thaw(), new SendSigterm());
        assertThat(env.on(new ProcessExited(143, false))).containsExactly(new Destroy());
        assertThat(env.state()).isEqualTo(new Gone(Reason.EVICTED));
    }

    @Test
    void aBusyEnvironmentCannotBeEvicted() throws LifecycleException {
        var env = warm(SETTINGS);
        env.on(new InvokeAssigned(SECOND, env.now().plus(TIMEOUT)));

        assertThatThrownBy(() -> env.on(new EvictionRequested()))
                .isInstanceOfSatisfying(NotInState.class, e -> {
                    assertThat(e.expected()).isEqualTo(Set.of(IDLE, FROZEN));
                    assertThat(e.actual().kind()).isEqualTo(BUSY);
                });
        assertThat(env.state().kind()).isEqualTo(BUSY);
    }

    @Test
    void shutdownWaitsForTheInvocationInFlightThenKillsARuntimeThatIgnoresSigterm() throws LifecycleException {
        var env = warm(SETTINGS);
        env.on(new InvokeAssigned(SECOND, env.now().plus(TIMEOUT)));
        assertThatThrownBy(() -> env.on(new ShutdownRequested())).isInstanceOf(NotInState.class);

        env.on(new ResponseReported(SECOND));
        env.on(new RuntimeAskedForNext());
        assertThat(env.on(new ShutdownRequested())).containsExactly(new SendSigterm());
        assertThat(env.fireTimer()).containsExactly(new SendSigkill(), new Destroy());
        assertThat(env.state()).isEqualTo(new Gone(Reason.SHUTDOWN));
    }

    @Test
    void aRuntimeThatNeverCallsNextAgainIsStoppedAtTheDeadlineWithoutFailingTheAnsweredCaller()
            throws LifecycleException {
        var env = warm(SETTINGS);
        env.on(new InvokeAssigned(SECOND, env.now().plus(TIMEOUT)));
        env.on(new ResponseReported(SECOND));

        assertThat(env.armed().event()).isEqualTo(new DeadlinePassed());
        assertThat(env.fireTimer()).containsExactly(new SendSigterm());
        assertThat(env.state().kind()).isEqualTo(DRAINING);
    }

    @Test
    void goneIsTerminal() throws LifecycleException {
        var env = warm(SETTINGS);
        env.on(new ProcessExited(0, false));

        for (EnvironmentEvent event : Samples.EVENTS) {
            assertThatThrownBy(() -> env.on(event)).isInstanceOf(NotInState.class);
        }
    }
}
