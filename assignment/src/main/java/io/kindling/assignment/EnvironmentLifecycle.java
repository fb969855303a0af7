package io.kindling.assignment;

import static io.kindling.assignment.EnvironmentState.Kind.AWAITING_NEXT;
import static io.kindling.assignment.EnvironmentState.Kind.BUSY;
import static io.kindling.assignment.EnvironmentState.Kind.CREATING;
import static io.kindling.assignment.EnvironmentState.Kind.DRAINING;
import static io.kindling.assignment.EnvironmentState.Kind.FROZEN;
import static io.kindling.assignment.EnvironmentState.Kind.IDLE;
import static io.kindling.assignment.EnvironmentState.Kind.INITIALIZING;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The execution-environment state machine as pure functions: no clock, no threads, no I/O. The diagram is on
 * {@link EnvironmentState}.
 *
 * <p>Contract with the driver (the worker): each environment has one thread that feeds it events in order. For each
 * event it calls {@code next(state, event, clock.instant(), settings)}, stores the returned state, disarms the
 * environment's timer and runs the effects in order (one of which may arm the timer again, see
 * {@link ScheduleTimer}). When the state is {@link Gone} the thread stops. A {@link LifecycleException} leaves the
 * state as it was and runs nothing.
 *
 * <p>The switch is by event, then by state, and names every state in every arm: a new state or event does not compile
 * until each pair is decided, and each refusal lists the states where the event is legal.
 */
public final class EnvironmentLifecycle {
    private EnvironmentLifecycle() {}

    /**
     * A new environment for {@code firstInvocation}, the invoke that found no warm environment. It waits through
     * Creating and Initializing and gets any init error.
     */
    public static Transition start(InvocationId firstInvocation, Instant deadline, Instant now,
                                   LifecycleSettings settings) {
        return enter(new Creating(now, firstInvocation, deadline), settings, new StartSandbox());
    }

    /**
     * As {@link #start(InvocationId, Instant, Instant, LifecycleSettings)}, with Lambda's split of the time: init must
     * end by {@code initDeadline}, and the first invocation then gets its whole {@code invocationTimeout}.
     */
    public static Transition start(InvocationId firstInvocation, Instant initDeadline, Duration invocationTimeout,
                                   Instant now, LifecycleSettings settings) {
        Objects.requireNonNull(invocationTimeout, "invocationTimeout");
        return enter(new Creating(now, firstInvocation, initDeadline, invocationTimeout), settings, new StartSandbox());
    }

    /**
     * A provisioned environment: started and initialized ahead of any invoke, Idle once its runtime first asks for
     * work. Init must end by {@code initDeadline}; an init failure is reported with {@link ReportInitFailure}, since
     * no caller waits for it.
     */
    public static Transition provision(Instant initDeadline, Instant now, LifecycleSettings settings) {
        return enter(new Creating(now, Optional.empty(), initDeadline, null), settings, new StartSandbox());
    }

    /** The state after {@code event} and the effects that make it so. */
    public static Transition next(EnvironmentState state, EnvironmentEvent event, Instant now,
                                  LifecycleSettings settings) throws LifecycleException {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(settings, "settings");
        return switch (event) {
            case SandboxReady _ -> switch (state) {
                case Creating c -> enter(new Initializing(now, c.firstInvocation(), c.deadline(),
                        c.invocationTimeout()), settings);
                case Initializing _, Busy _, AwaitingNext _, Idle _, Frozen _, Draining _, Gone _ ->
                        throw new NotInState(event, state, CREATING);
            };
            case EntrypointInvalid e -> switch (state) {
                // Nothing was started, so nothing to signal: answer the caller and clean up what there is.
                case Creating c -> gone(Reason.INIT_FAILED,
                        answerInitFailure(c.firstInvocation(), new FunctionError.InvalidEntrypoint(e.message())));
                case Initializing _, Busy _, AwaitingNext _, Idle _, Frozen _, Draining _, Gone _ ->
                        throw new NotInState(event, state, CREATING);
            };
            case RuntimeAskedForNext _ -> switch (state) {
                // The first /next means init is done: the waiting invocation is the cold start.
                case Initializing i -> i.firstInvocation().isPresent()
                        ? enter(new Busy(i.firstInvocation().get(), i.invocationDeadline(now), true), settings,
                                new DeliverInvocation(i.firstInvocation().get()))
                        // A provisioned environment: initialized ahead of any invoke, now warm.
                        : enter(new Idle(now), settings);
                case AwaitingNext _ -> enter(new Idle(now), settings);
                case Creating _, Busy _, Idle _, Frozen _, Draining _, Gone _ ->
                        throw new NotInState(event, state, INITIALIZING, AWAITING_NEXT);
            };
            case InvokeAssigned a -> switch (state) {
                case Idle _ -> enter(new Busy(a.invocation(), a.deadline(), false), settings,
                        new DeliverInvocation(a.invocation()));
                case Frozen _ -> enter(new Busy(a.invocation(), a.deadline(), false), settings,
                        new Thaw(), new DeliverInvocation(a.invocation()));
                // Busy refuses: one invocation at a time per environment.
                case Creating _, Initializing _, Busy _, AwaitingNext _, Draining _, Gone _ ->
                        throw new NotInState(event, state, IDLE, FROZEN);
            };
            case ResponseReported r -> switch (state) {
                case Busy b -> finish(b, r.invocation(), Outcome.RESPONSE, settings);
                case Creating _, Initializing _, AwaitingNext _, Idle _, Frozen _, Draining _, Gone _ ->
                        throw new NotInState(event, state, BUSY);
            };
            case ErrorReported r -> switch (state) {
                case Busy b -> finish(b, r.invocation(), Outcome.ERROR, settings);
                case Creating _, Initializing _, AwaitingNext _, Idle _, Frozen _, Draining _, Gone _ ->
                        throw new NotInState(event, state, BUSY);
            };
            case InitErrorReported e -> switch (state) {
                // Answer the waiting caller now rather than when the runtime gets round to exiting.
                case Initializing i -> drain(Reason.INIT_FAILED, now, settings,
                        answerInitFailure(i.firstInvocation(), new FunctionError.InitError(e.errorType())));
                case Creating _, Busy _, AwaitingNext _, Idle _, Frozen _, Draining _, Gone _ ->
                        throw new NotInState(event, state, INITIALIZING);
            };
            case DeadlinePassed _ -> switch (state) {
                // Whatever the runtime was doing is unknown now, so the environment is never reused.
                case Creating c -> drain(Reason.TIMED_OUT, now, settings,
                        answerInitFailure(c.firstInvocation(), new FunctionError.Timeout()));
                case Initializing i -> drain(Reason.TIMED_OUT, now, settings,
                        answerInitFailure(i.firstInvocation(), new FunctionError.Timeout()));
                case Busy b -> timedOut(b.invocation(), now, settings);
                // The caller has its answer; only the runtime's post-response work overran.
                case AwaitingNext _ -> drain(Reason.TIMED_OUT, now, settings);
                case Idle _, Frozen _, Draining _, Gone _ ->
                        throw new NotInState(event, state, CREATING, INITIALIZING, BUSY, AWAITING_NEXT);
            };
            case ProcessExited p -> {
                FunctionError error = p.oomKilled() ? new FunctionError.OutOfMemory()
                        : new FunctionError.RuntimeExit(p.exitCode());
                Reason crash = p.oomKilled() ? Reason.OUT_OF_MEMORY : Reason.RUNTIME_EXIT;
                Reason initCrash = p.oomKilled() ? Reason.OUT_OF_MEMORY : Reason.INIT_FAILED;
                // The process is already dead: no signals, straight to Destroy.
                yield switch (state) {
                    case Creating c -> gone(initCrash, answerInitFailure(c.firstInvocation(), error));
                    case Initializing i -> gone(initCrash, answerInitFailure(i.firstInvocation(), error));
                    case Busy b -> gone(crash, new FailInvocation(b.invocation(), error));
                    case AwaitingNext _, Idle _, Frozen _ -> gone(crash);
                    // The exit we asked for; keep the reason we asked for it.
                    case Draining d -> gone(d.reason());
                    case Gone _ -> throw new NotInState(event, state,
                            CREATING, INITIALIZING, BUSY, AWAITING_NEXT, IDLE, FROZEN, DRAINING);
                };
            }
            case IdleTimeoutPassed _ -> leaveWarm(state, event, Reason.IDLE_TIMEOUT, now, settings);
            case EvictionRequested _ -> leaveWarm(state, event, Reason.EVICTED, now, settings);
            case ShutdownRequested _ -> leaveWarm(state, event, Reason.SHUTDOWN, now, settings);
            case FreezeGracePassed _ -> switch (state) {
                case Idle i -> enter(new Frozen(i.since()), settings, new Freeze());
                case Creating _, Initializing _, Busy _, AwaitingNext _, Frozen _, Draining _, Gone _ ->
                        throw new NotInState(event, state, IDLE);
            };
            case GracePassed _ -> switch (state) {
                case Draining d -> gone(d.reason(), new SendSigkill());
                case Creating _, Initializing _, Busy _, AwaitingNext _, Idle _, Frozen _, Gone _ ->
                        throw new NotInState(event, state, DRAINING);
            };
        };
    }

    /**
     * The one timer of {@code state}: what fires when, if nothing else happens first. Every transition ends with it,
     * and a driver that takes over an environment from stored state (a restart, a new leader) re-arms it from here.
     */
    public static Optional<ScheduleTimer> timeoutOf(EnvironmentState state, LifecycleSettings settings) {
        return switch (state) {
            case Creating c -> Optional.of(new ScheduleTimer(c.deadline(), new DeadlinePassed()));
            case Initializing i -> Optional.of(new ScheduleTimer(i.deadline(), new DeadlinePassed()));
            case Busy b -> Optional.of(new ScheduleTimer(b.deadline(), new DeadlinePassed()));
            case AwaitingNext a -> Optional.of(new ScheduleTimer(a.deadline(), new DeadlinePassed()));
            case Idle i -> {
                Instant freezeAt = i.since().plus(settings.freezeAfterIdle());
                Instant expireAt = i.since().plus(settings.idleTimeout());
                if (!freezeAt.isBefore(expireAt)) {
                    // Never frozen; kept warm, it then has nothing left to time out.
                    yield settings.keepWarm() ? Optional.empty()
                            : Optional.of(new ScheduleTimer(expireAt, new IdleTimeoutPassed()));
                }
                yield Optional.of(new ScheduleTimer(freezeAt, new FreezeGracePassed()));
            }
            // Kept warm (provisioned), it stays frozen until its pool shuts it down.
            case Frozen f -> settings.keepWarm() ? Optional.empty()
                    : Optional.of(new ScheduleTimer(f.idleSince().plus(settings.idleTimeout()), new IdleTimeoutPassed()));
            case Draining d -> Optional.of(new ScheduleTimer(d.since().plus(settings.shutdownGrace()),
                    new GracePassed()));
            case Gone _ -> Optional.empty();
        };
    }

    /** Idle timeout, eviction and shutdown end a warm environment the same way; only the reason differs. */
    private static Transition leaveWarm(EnvironmentState state, EnvironmentEvent event, Reason reason, Instant now,
                                        LifecycleSettings settings) throws NotInState {
        return switch (state) {
            case Idle _ -> drain(reason, now, settings);
            // A frozen process cannot run its SIGTERM handler (and on cgroup v1 not even die of SIGKILL): thaw first.
            case Frozen _ -> drain(reason, now, settings, new Thaw());
            case Creating _, Initializing _, Busy _, AwaitingNext _, Draining _, Gone _ ->
                    throw new NotInState(event, state, IDLE, FROZEN);
        };
    }

    private static Transition finish(Busy busy, InvocationId reported, Outcome outcome, LifecycleSettings settings)
            throws WrongInvocation {
        if (!busy.invocation().equals(reported)) {
            throw new WrongInvocation(busy.invocation(), reported);
        }
        return enter(new AwaitingNext(busy.invocation(), busy.deadline()), settings,
                new CompleteInvocation(busy.invocation(), outcome));
    }

    private static Transition timedOut(InvocationId invocation, Instant now, LifecycleSettings settings) {
        return drain(Reason.TIMED_OUT, now, settings, new FailInvocation(invocation, new FunctionError.Timeout()));
    }

    /** An init failure goes to the invocation waiting for init or, for a provisioned environment, to its pool. */
    private static Effect answerInitFailure(Optional<InvocationId> waiting, FunctionError error) {
        return waiting.<Effect>map(invocation -> new FailInvocation(invocation, error))
                .orElseGet(() -> new ReportInitFailure(error));
    }

    /** SIGTERM now, SIGKILL when the grace runs out (Draining's timer). Answers to callers go first. */
    private static Transition drain(Reason reason, Instant now, LifecycleSettings settings, Effect... before) {
        List<Effect> effects = new ArrayList<>(List.of(before));
        effects.add(new SendSigterm());
        return enter(new Draining(now, reason), settings, effects.toArray(Effect[]::new));
    }

    private static Transition gone(Reason reason, Effect... before) {
        List<Effect> effects = new ArrayList<>(List.of(before));
        effects.add(new Destroy());
        return new Transition(new Gone(reason), effects);
    }

    /** The new state, the effects, and last the new state's timer. */
    private static Transition enter(EnvironmentState next, LifecycleSettings settings, Effect... effects) {
        List<Effect> all = new ArrayList<>(List.of(effects));
        timeoutOf(next, settings).ifPresent(all::add);
        return new Transition(next, all);
    }
}
