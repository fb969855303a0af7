package io.kindling.assignment;

import java.time.Instant;
import java.util.Objects;

/**
 * Something that happened to one execution environment. Four sources report them: the sandbox driver (process
 * started, process exited, entrypoint invalid), the runtime through the Runtime API, the pool, and the environment's own timer
 * ({@link TimerEvent}). Which events are legal in which state is {@link EnvironmentLifecycle#next}'s business.
 */
public sealed interface EnvironmentEvent {

    // ---- from the sandbox driver ----

    /** The sandbox is set up and the runtime process has started its init. */
    record SandboxReady() implements EnvironmentEvent {}

    /**
     * The runtime process is gone. {@code exitCode} follows the shell convention (128 + signal for a signal death);
     * {@code oomKilled} comes from the memory cgroup's OOM-kill counter, since the exit code alone (137) cannot tell
     * the OOM killer from our own SIGKILL.
     */
    record ProcessExited(int exitCode, boolean oomKilled) implements EnvironmentEvent {}

    /**
     * The runtime's entrypoint (a {@code provided} function's {@code /var/task/bootstrap}, a managed runtime's
     * interpreter) is missing or not executable, found before anything was started: Lambda's
     * {@code Runtime.InvalidEntrypoint}. {@code message} is Lambda's wording after {@code "Error: "}, e.g.
     * {@code Couldn't find valid bootstrap(s): [/var/task/bootstrap]}.
     */
    record EntrypointInvalid(String message) implements EnvironmentEvent {
        public EntrypointInvalid {
            Objects.requireNonNull(message, "message");
            if (message.isBlank()) {
                throw new IllegalArgumentException("message must not be blank");
            }
        }
    }

    // ---- from the runtime, through the Runtime API ----

    /** {@code GET /2018-06-01/runtime/invocation/next}: init finished, or the runtime is ready for more work. */
    record RuntimeAskedForNext() implements EnvironmentEvent {}

    /** {@code POST /runtime/invocation/{id}/response}. */
    record ResponseReported(InvocationId invocation) implements EnvironmentEvent {
        public ResponseReported {
            Objects.requireNonNull(invocation, "invocation");
        }
    }

    /** {@code POST /runtime/invocation/{id}/error}: the handler failed; the environment itself stays usable. */
    record ErrorReported(InvocationId invocation) implements EnvironmentEvent {
        public ErrorReported {
            Objects.requireNonNull(invocation, "invocation");
        }
    }

    /**
     * {@code POST /runtime/init/error}, with the {@code Lambda-Runtime-Function-Error-Type} the runtime sent (the
     * Runtime API fills in a default when the header is missing), e.g. {@code Runtime.ImportModuleError}.
     */
    record InitErrorReported(String errorType) implements EnvironmentEvent {
        public InitErrorReported {
            Objects.requireNonNull(errorType, "errorType");
            if (errorType.isBlank()) {
                throw new IllegalArgumentException("errorType must not be blank");
            }
        }
    }

    // ---- from the pool ----

    /** The pool picked this warm environment for {@code invocation}, which must finish by {@code deadline}. */
    record InvokeAssigned(InvocationId invocation, Instant deadline) implements EnvironmentEvent {
        public InvokeAssigned {
            Objects.requireNonNull(invocation, "invocation");
            Objects.requireNonNull(deadline, "deadline");
        }
    }

    /** The pool needs this idle environment's memory for another one. */
    record EvictionRequested() implements EnvironmentEvent {}

    /** The worker is shutting down; it asks idle environments first and busy ones once their invocation is done. */
    record ShutdownRequested() implements EnvironmentEvent {}

    // ---- from the environment's timer ----

    /** Events only a timer produces; {@link Effect.ScheduleTimer} carries one. */
    sealed interface TimerEvent extends EnvironmentEvent {}

    /** The deadline of the invocation held (or waited for) by the current state has passed. */
    record DeadlinePassed() implements TimerEvent {}

    /** Idle (or frozen) for the whole idle timeout. */
    record IdleTimeoutPassed() implements TimerEvent {}

    /** Idle for the freeze delay: time to freeze. */
    record FreezeGracePassed() implements TimerEvent {}

    /** The shutdown grace after SIGTERM is over and the process has not exited. */
    record GracePassed() implements TimerEvent {}
}
