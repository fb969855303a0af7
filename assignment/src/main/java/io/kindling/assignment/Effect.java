package io.kindling.assignment;

import io.kindling.assignment.EnvironmentEvent.TimerEvent;
import java.time.Instant;
import java.util.Objects;

/**
 * Work a transition asks the driver (the worker, on the environment's own thread) to do, in list order. The lifecycle
 * only decides; it never touches processes, cgroups or sockets.
 */
public sealed interface Effect {

    /**
     * Check the runtime's entrypoint, create the cgroup, network namespace and mounts, then start the runtime
     * process. The driver answers with {@link EnvironmentEvent.SandboxReady}, or with
     * {@link EnvironmentEvent.EntrypointInvalid} having created nothing.
     */
    record StartSandbox() implements Effect {}

    /** Hand the invocation to the runtime's pending (or next) {@code GET /next}. */
    record DeliverInvocation(InvocationId invocation) implements Effect {
        public DeliverInvocation {
            Objects.requireNonNull(invocation, "invocation");
        }
    }

    /** Answer the caller with what the runtime reported. */
    record CompleteInvocation(InvocationId invocation, Outcome outcome) implements Effect {
        public CompleteInvocation {
            Objects.requireNonNull(invocation, "invocation");
            Objects.requireNonNull(outcome, "outcome");
        }
    }

    /** Answer the caller with a function error the runtime could not report itself. */
    record FailInvocation(InvocationId invocation, FunctionError error) implements Effect {
        public FailInvocation {
            Objects.requireNonNull(invocation, "invocation");
            Objects.requireNonNull(error, "error");
        }
    }

    /**
     * Tell whoever waits for a provisioned environment that its init failed with {@code error}: no invocation waits
     * for it, so there is no caller to answer, but the pool must know (to report it and to retry).
     */
    record ReportInitFailure(FunctionError error) implements Effect {
        public ReportInitFailure {
            Objects.requireNonNull(error, "error");
        }
    }

    /** Freeze the sandbox's cgroup: it keeps its memory and uses no CPU. */
    record Freeze() implements Effect {}

    /** Thaw the sandbox's cgroup. Comes before a delivery, and before SIGTERM, which a frozen process cannot handle. */
    record Thaw() implements Effect {}

    /** Ask the runtime to exit (SIGTERM to the sandbox's processes). */
    record SendSigterm() implements Effect {}

    /** Kill every process in the sandbox's cgroup. */
    record SendSigkill() implements Effect {}

    /**
     * Remove the cgroup, network namespace and mounts, once the cgroup holds no process (after an exit, or after
     * SIGKILL the driver waits for the cgroup to empty). Always the last work on an environment.
     */
    record Destroy() implements Effect {}

    /**
     * Arm the environment's one timer: deliver {@code event} at {@code at}. An environment has at most one timer and
     * it belongs to the current state, so on every transition the driver disarms the old timer before running the
     * effects, and a timer event still queued from an earlier state is dropped (e.g. by a generation number), never
     * passed to {@link EnvironmentLifecycle#next}. {@code at} may already be past; then it fires at once.
     */
    record ScheduleTimer(Instant at, TimerEvent event) implements Effect {
        public ScheduleTimer {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(event, "event");
        }
    }

    /** What the runtime reported for an invocation. */
    enum Outcome {
        /** {@code /response}: the function's result. */
        RESPONSE,
        /** {@code /error}: the handler's error; a function error for the caller, the environment stays warm. */
        ERROR
    }
}
