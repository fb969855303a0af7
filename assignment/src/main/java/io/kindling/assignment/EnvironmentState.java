package io.kindling.assignment;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where one execution environment is in its life. Each variant holds exactly the data of that state, so there are no
 * side flags to keep consistent: a Busy environment always knows its invocation and deadline, an Idle one only when it
 * became idle.
 *
 * <pre>
 *  start [StartSandbox] ──► Creating ──SandboxReady──► Initializing ──RuntimeAskedForNext──► Idle (provisioned:
 *  provision [StartSandbox]     (either)                    │                                     no invocation waits)
 *                                                           │ RuntimeAskedForNext [DeliverInvocation] (a cold start)
 *                                                           ▼
 *                   ┌──────────────────────────────────► Busy ◄─────────── InvokeAssigned [DeliverInvocation] ───┐
 *                   │                                      │                                                     │
 *                   │            ResponseReported,         │                                                     │
 *                   │            ErrorReported             ▼                                                     │
 *                   │            [CompleteInvocation]  AwaitingNext ──RuntimeAskedForNext──────────────────────► Idle
 *                   │                                                                                            │
 *                   │                                                                 FreezeGracePassed [Freeze] │
 *                   │                                                                                            ▼
 *                   └────────────────────────── InvokeAssigned [Thaw, DeliverInvocation] ───────────────────── Frozen
 *
 *  Ways out; none leads back, so a timed-out or crashed environment is never reused:
 *
 *  Creating, Initializing, Busy ──DeadlinePassed────► Draining(TIMED_OUT)    [FailInvocation Sandbox.Timedout, SendSigterm]
 *  AwaitingNext ──────────────────DeadlinePassed────► Draining(TIMED_OUT)    [SendSigterm]
 *  Initializing ──────────────────InitErrorReported─► Draining(INIT_FAILED)  [FailInvocation reported type, SendSigterm]
 *  Idle, Frozen ──────────────────IdleTimeoutPassed─► Draining(IDLE_TIMEOUT) [Thaw if Frozen, SendSigterm]
 *  Idle, Frozen ──────────────────EvictionRequested─► Draining(EVICTED)      [Thaw if Frozen, SendSigterm]
 *  Idle, Frozen ──────────────────ShutdownRequested─► Draining(SHUTDOWN)     [Thaw if Frozen, SendSigterm]
 *  Draining ──────────────────────ProcessExited─────► Gone(its reason)       [Destroy]
 *  Draining ──────────────────────GracePassed───────► Gone(its reason)       [SendSigkill, Destroy]
 *  Creating ──────────────────────EntrypointInvalid─► Gone(INIT_FAILED)      [FailInvocation Runtime.InvalidEntrypoint, Destroy]
 *  Creating, Initializing ────────ProcessExited─────► Gone(INIT_FAILED)      [FailInvocation Runtime.ExitError, Destroy]
 *  Busy ──────────────────────────ProcessExited─────► Gone(RUNTIME_EXIT)     [FailInvocation Runtime.ExitError, Destroy]
 *  AwaitingNext, Idle, Frozen ────ProcessExited─────► Gone(RUNTIME_EXIT)     [Destroy]
 *  (an OOM-killed exit gives Gone(OUT_OF_MEMORY) and Runtime.OutOfMemory instead)
 *
 *  A provisioned environment (no first invocation) takes the same ways out of Creating and Initializing, with
 *  ReportInitFailure in place of FailInvocation.
 *
 *  Every transition also ends with ScheduleTimer for the new state's timeout (none for Gone, none for Frozen when the
 *  settings keep environments warm).
 *  Any other (state, event) pair is refused with NotInState.
 * </pre>
 *
 * <p>Every state but {@link Gone} has exactly one timeout, see {@link EnvironmentLifecycle#timeoutOf}, so no
 * environment can stay anywhere forever; the one exception is a provisioned environment
 * ({@link LifecycleSettings#keepWarm()}), which stays Frozen until its pool shuts it down. A timed-out or crashed
 * environment is never reused: both lead to Gone.
 */
public sealed interface EnvironmentState {

    /** The state's name without its data; what pool snapshots and {@link NotInState} carry. */
    default Kind kind() {
        return switch (this) {
            case Creating _ -> Kind.CREATING;
            case Initializing _ -> Kind.INITIALIZING;
            case Busy _ -> Kind.BUSY;
            case AwaitingNext _ -> Kind.AWAITING_NEXT;
            case Idle _ -> Kind.IDLE;
            case Frozen _ -> Kind.FROZEN;
            case Draining _ -> Kind.DRAINING;
            case Gone _ -> Kind.GONE;
        };
    }

    /**
     * The sandbox (cgroup, network namespace, mounts, runtime process) is being set up, for {@code firstInvocation},
     * the invoke that found no warm environment, or for no invocation at all: a provisioned environment is
     * initialized ahead of any invoke and becomes Idle when its init is done.
     *
     * @param deadline when init must be done: the invocation's own deadline, or, when {@code invocationTimeout} is
     *     set, Lambda's separate init limit
     * @param invocationTimeout when set, the first invocation's timeout counts from the end of init (as in Lambda,
     *     where init has its own limit); when null it shares {@code deadline}
     */
    record Creating(Instant since, Optional<InvocationId> firstInvocation, Instant deadline, Duration invocationTimeout)
            implements EnvironmentState {
        public Creating {
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(firstInvocation, "firstInvocation");
            Objects.requireNonNull(deadline, "deadline");
        }

        public Creating(Instant since, InvocationId firstInvocation, Instant deadline, Duration invocationTimeout) {
            this(since, Optional.of(firstInvocation), deadline, invocationTimeout);
        }

        public Creating(Instant since, InvocationId firstInvocation, Instant deadline) {
            this(since, firstInvocation, deadline, null);
        }
    }

    /**
     * The runtime process runs its init (extensions, runtime, the function's static code). Lambda runs an on-demand
     * environment's init on the first invoke and returns init errors to it, so that invocation waits here; a
     * provisioned one has none. Components as in {@link Creating}.
     */
    record Initializing(Instant since, Optional<InvocationId> firstInvocation, Instant deadline,
                        Duration invocationTimeout) implements EnvironmentState {
        public Initializing {
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(firstInvocation, "firstInvocation");
            Objects.requireNonNull(deadline, "deadline");
        }

        public Initializing(Instant since, InvocationId firstInvocation, Instant deadline, Duration invocationTimeout) {
            this(since, Optional.of(firstInvocation), deadline, invocationTimeout);
        }

        public Initializing(Instant since, InvocationId firstInvocation, Instant deadline) {
            this(since, firstInvocation, deadline, null);
        }

        /** The first invocation's deadline once init ends at {@code now}. */
        Instant invocationDeadline(Instant now) {
            return invocationTimeout == null ? deadline : now.plus(invocationTimeout);
        }
    }

    /** The runtime holds {@code invocation}; one at a time. {@code coldStart} is true for the first one after init. */
    record Busy(InvocationId invocation, Instant deadline, boolean coldStart) implements EnvironmentState {
        public Busy {
            Objects.requireNonNull(invocation, "invocation");
            Objects.requireNonNull(deadline, "deadline");
        }
    }

    /**
     * The runtime reported {@code finished}'s result but has not called {@code /next} yet. Lambda counts this time to
     * the invocation and hands out no new work until {@code /next}; the invocation's deadline still bounds it.
     */
    record AwaitingNext(InvocationId finished, Instant deadline) implements EnvironmentState {
        public AwaitingNext {
            Objects.requireNonNull(finished, "finished");
            Objects.requireNonNull(deadline, "deadline");
        }
    }

    /** Warm: the runtime is parked in {@code /next} since {@code since} (which is also its last use). */
    record Idle(Instant since) implements EnvironmentState {
        public Idle {
            Objects.requireNonNull(since, "since");
        }
    }

    /**
     * Warm but frozen (cgroup freezer): it costs memory and no CPU. {@code idleSince} is when it became idle, not when
     * it was frozen, because the idle timeout counts from last use.
     */
    record Frozen(Instant idleSince) implements EnvironmentState {
        public Frozen {
            Objects.requireNonNull(idleSince, "idleSince");
        }
    }

    /** SIGTERM was sent at {@code since}; waiting for the process to exit within the shutdown grace. */
    record Draining(Instant since, Reason reason) implements EnvironmentState {
        public Draining {
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Torn down (processes dead, cgroup, network namespace and mounts removed). Terminal. */
    record Gone(Reason reason) implements EnvironmentState {
        public Gone {
            Objects.requireNonNull(reason, "reason");
        }
    }

    enum Kind {
        CREATING, INITIALIZING, BUSY, AWAITING_NEXT, IDLE, FROZEN, DRAINING, GONE;

        /** Only a runtime parked in {@code /next} can take an invocation: Idle, or Frozen after a thaw. */
        public boolean acceptsInvocations() {
            return this == IDLE || this == FROZEN;
        }
    }

    /** Why an environment is going away. */
    enum Reason {
        /** Unused for the idle timeout (keep-alive expired). */
        IDLE_TIMEOUT,
        /** The pool needed its memory for another environment. */
        EVICTED,
        /** An invocation (or the init that preceded it) ran past its deadline; its state is unknown, so never reused. */
        TIMED_OUT,
        /** The runtime process exited on its own outside init. */
        RUNTIME_EXIT,
        /**
         * Init failed: the runtime reported {@code /init/error} or exited before its first {@code /next}, or its
         * entrypoint was not there to start.
         */
        INIT_FAILED,
        /** The kernel's OOM killer ended it at the memory limit. */
        OUT_OF_MEMORY,
        /** The worker is shutting down. */
        SHUTDOWN
    }
}
