package io.kindling.worker.runtimeapi;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The hand-off between the worker and the runtime of ONE execution environment: the worker
 * {@link #deliver delivers} an invocation, the runtime's {@code GET /next} long poll takes it, and the runtime's
 * answer completes the future {@code deliver} returned.
 *
 * <p>Lifecycle, one state at a time (see {@link State}): {@code Starting} until the runtime first asks for an
 * invocation; then {@code Waiting} (runtime parked in /next, nothing delivered) or {@code Queued} (delivered, runtime
 * not asking yet), {@code Running} (runtime took it), back to {@code Idle} when it answers. {@code InitFailed} and
 * {@code Closed} are final. Exactly one invocation is delivered-and-unanswered at a time; the worker owns that
 * rule and a second {@code deliver} is refused with {@link RuntimeApiException.InvocationInFlight}.
 *
 * <p>Threads: {@code deliver} and {@code close} run on the worker's threads; the runtime-facing methods run on the
 * virtual thread of each Runtime API request. All of them only flip state under one short lock; futures complete
 * and the {@link RuntimeApiListener} is called after the lock is released. Dependent stages of the future
 * returned by {@code deliver} run on the runtime's request thread unless added with an {@code *Async} method.
 */
public final class RuntimeApiChannel implements AutoCloseable {
    private final String environment;
    private final RuntimeApiListener listener;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private State state = new State.Starting();
    /**
     * The request id answered last, guarded by {@link #lock}. History rather than state: it only tells a second
     * answer for that id (403) from an id the runtime made up (400).
     */
    private String lastAnsweredRequestId;

    /**
     * @param environment a name for messages and logs (the sandbox id)
     * @param listener told of the runtime's progress; see its threading note
     */
    public RuntimeApiChannel(String environment, RuntimeApiListener listener) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    private sealed interface State {
        /** The runtime is initialising: it has not asked for an invocation yet. */
        record Starting() implements State {}

        /** Between invocations: the runtime answered the last one and has not asked again yet. */
        record Idle() implements State {}

        /** The runtime is parked in {@code GET /next}; completing {@code runtime} hands it an invocation. */
        record Waiting(CompletableFuture<InvocationRequest> runtime) implements State {}

        /** Delivered, not yet taken. {@code runtimeStarted} is false while init is still running. */
        record Queued(InFlight invocation, boolean runtimeStarted) implements State {}

        /** The runtime took the invocation and owes exactly one answer for it. */
        record Running(InFlight invocation) implements State {}

        /** The runtime reported an init error: every delivery gets it. The runtime should exit. */
        record InitFailed(RuntimeOutcome.InitError error) implements State {}

        /** The environment is gone; everything pending has failed. */
        record Closed() implements State {}
    }

    private record InFlight(InvocationRequest request, CompletableFuture<RuntimeOutcome> outcome) {}

    public String environment() {
        return environment;
    }

    /**
     * Hands {@code request} to the runtime: to its parked {@code GET /next} at once, or to its next one.
     *
     * @return completes with the runtime's answer; fails with {@link RuntimeApiException.EnvironmentClosed} if the
     *     channel closes first (also when it was already closed). Completes at once with the {@link
     *     RuntimeOutcome.InitError} if the runtime failed to start. Cancelling it does not withdraw the invocation;
     *     {@link #close} does.
     * @throws RuntimeApiException.InvocationInFlight if an earlier invocation is delivered and unanswered
     */
    public CompletableFuture<RuntimeOutcome> deliver(InvocationRequest request) {
        Objects.requireNonNull(request, "request");
        InFlight delivered = new InFlight(request, new CompletableFuture<>());
        CompletableFuture<InvocationRequest> parkedRuntime = null;
        synchronized (lock) {
            switch (state) {
                case State.Closed closed -> {
                    return CompletableFuture.failedFuture(new RuntimeApiException.EnvironmentClosed(environment));
                }
                case State.InitFailed failed -> {
                    return CompletableFuture.completedFuture(failed.error());
                }
                case State.Queued queued -> throw inFlight(queued.invocation(), request);
                case State.Running running -> throw inFlight(running.invocation(), request);
                case State.Starting starting -> state = new State.Queued(delivered, false);
                case State.Idle idle -> state = new State.Queued(delivered, true);
                case State.Waiting waiting -> {
                    state = new State.Running(delivered);
                    parkedRuntime = waiting.runtime();
                }
            }
        }
        if (parkedRuntime != null) {
            parkedRuntime.complete(request);
        }
        // A copy, so that a caller cancelling its future cannot complete ours behind the runtime's back.
        return delivered.outcome().copy();
    }

    private RuntimeApiException.InvocationInFlight inFlight(InFlight current, InvocationRequest refused) {
        return new RuntimeApiException.InvocationInFlight(environment, current.request().requestId(), refused.requestId());
    }

    /**
     * Fails whatever is pending: the delivered invocation's future with {@link RuntimeApiException.EnvironmentClosed}
     * and a parked {@code GET /next} with a 500 ("runtime should exit"). Later deliveries fail at once. Idempotent.
     */
    @Override
    public void close() {
        State previous;
        synchronized (lock) {
            previous = state;
            state = new State.Closed();
        }
        switch (previous) {
            case State.Waiting waiting -> waiting.runtime().completeExceptionally(new Refusal.Refused(new Refusal.EnvironmentClosed()));
            case State.Queued queued -> queued.invocation().outcome().completeExceptionally(new RuntimeApiException.EnvironmentClosed(environment));
            case State.Running running -> running.invocation().outcome().completeExceptionally(new RuntimeApiException.EnvironmentClosed(environment));
            case State.Starting starting -> {}
            case State.Idle idle -> {}
            case State.InitFailed failed -> {}
            case State.Closed closed -> {}
        }
    }

    public boolean isClosed() {
        synchronized (lock) {
            return state instanceof State.Closed;
        }
    }

    // ---- called by the runtime, through RuntimeApiHandler ----

    /**
     * {@code GET /runtime/invocation/next}. The returned future completes with the invocation to hand the runtime,
     * at once if one is queued; or fails with {@link Refusal.Refused}.
     */
    CompletableFuture<InvocationRequest> awaitNext() {
        CompletableFuture<InvocationRequest> ticket;
        CompletableFuture<InvocationRequest> superseded = null;
        synchronized (lock) {
            switch (state) {
                case State.Closed closed -> {
                    return refused(new Refusal.EnvironmentClosed());
                }
                case State.InitFailed failed -> {
                    return refused(new Refusal.InvalidStateTransition(
                            "The runtime reported an initialization error; it should exit."));
                }
                case State.Running running -> {
                    return refused(new Refusal.InvalidStateTransition("Invocation " + running.invocation().request().requestId()
                            + " has not been answered yet; post its response or error before asking for the next one."));
                }
                case State.Queued queued -> {
                    state = new State.Running(queued.invocation());
                    ticket = CompletableFuture.completedFuture(queued.invocation().request());
                }
                case State.Waiting waiting -> {
                    // Only a runtime whose first connection died (unnoticed while parked) asks twice; the newer
                    // poll is the one that can still receive, so it takes over.
                    superseded = waiting.runtime();
                    ticket = new CompletableFuture<>();
                    state = new State.Waiting(ticket);
                }
                case State.Starting starting -> {
                    ticket = new CompletableFuture<>();
                    state = new State.Waiting(ticket);
                }
                case State.Idle idle -> {
                    ticket = new CompletableFuture<>();
                    state = new State.Waiting(ticket);
                }
            }
        }
        if (superseded != null) {
            superseded.completeExceptionally(new Refusal.Refused(new Refusal.InvalidStateTransition(
                    "A newer /next call from the runtime replaced this one.")));
        }
        listener.runtimeAskedForNext();
        return ticket;
    }

    private static CompletableFuture<InvocationRequest> refused(Refusal refusal) {
        return CompletableFuture.failedFuture(new Refusal.Refused(refusal));
    }

    /**
     * {@code POST /runtime/invocation/{id}/response} or {@code /error}: the runtime's one answer for {@code requestId}.
     *
     * @param outcome a {@link RuntimeOutcome.Response}, {@link RuntimeOutcome.FunctionError} or
     *     {@link RuntimeOutcome.ResponseTooLarge}
     * @return empty when accepted (the invocation's future is then complete)
     */
    Optional<Refusal> answer(String requestId, RuntimeOutcome outcome) {
        if (outcome instanceof RuntimeOutcome.InitError) {
            throw new IllegalArgumentException("an init error is reported with reportInitError");
        }
        InFlight answered;
        synchronized (lock) {
            switch (state) {
                case State.Running running when running.invocation().request().requestId().equals(requestId) -> {
                    answered = running.invocation();
                    state = new State.Idle();
                    lastAnsweredRequestId = requestId;
                }
                case State.Closed closed -> {
                    return Optional.of(new Refusal.EnvironmentClosed());
                }
                case State.Queued queued when queued.invocation().request().requestId().equals(requestId) -> {
                    return Optional.of(new Refusal.InvalidStateTransition("Invocation " + requestId
                            + " has not been handed to the runtime yet."));
                }
                case State.Running running -> {
                    return Optional.of(unknownOrRepeated(requestId));
                }
                case State.Queued queued -> {
                    return Optional.of(unknownOrRepeated(requestId));
                }
                case State.Starting starting -> {
                    return Optional.of(unknownOrRepeated(requestId));
                }
                case State.Idle idle -> {
                    return Optional.of(unknownOrRepeated(requestId));
                }
                case State.Waiting waiting -> {
                    return Optional.of(unknownOrRepeated(requestId));
                }
                case State.InitFailed failed -> {
                    return Optional.of(unknownOrRepeated(requestId));
                }
            }
        }
        listener.outcome(answered.request(), outcome);
        answered.outcome().complete(outcome);
        return Optional.empty();
    }

    /** Called under {@link #lock}. */
    private Refusal unknownOrRepeated(String requestId) {
        if (requestId.equals(lastAnsweredRequestId)) {
            return new Refusal.InvalidStateTransition("Invocation " + requestId + " has already been answered.");
        }
        return new Refusal.InvalidRequestId(requestId);
    }

    /**
     * {@code POST /runtime/init/error}. Accepted only while the runtime is initialising (it has not asked for an
     * invocation yet); the invocation delivered during init, or else the next one delivered, gets the error.
     */
    Optional<Refusal> reportInitError(RuntimeOutcome.InitError error) {
        Objects.requireNonNull(error, "error");
        InFlight firstInvocation = null;
        synchronized (lock) {
            switch (state) {
                case State.Starting starting -> state = new State.InitFailed(error);
                case State.Queued queued when !queued.runtimeStarted() -> {
                    firstInvocation = queued.invocation();
                    state = new State.InitFailed(error);
                }
                case State.Closed closed -> {
                    return Optional.of(new Refusal.EnvironmentClosed());
                }
                case State.InitFailed failed -> {
                    return Optional.of(new Refusal.InvalidStateTransition("An initialization error was already reported."));
                }
                case State.Queued queued -> {
                    return Optional.of(initAlreadyFinished());
                }
                case State.Idle idle -> {
                    return Optional.of(initAlreadyFinished());
                }
                case State.Waiting waiting -> {
                    return Optional.of(initAlreadyFinished());
                }
                case State.Running running -> {
                    return Optional.of(initAlreadyFinished());
                }
            }
        }
        listener.initError(error);
        if (firstInvocation != null) {
            firstInvocation.outcome().complete(error);
        }
        return Optional.empty();
    }

    private static Refusal initAlreadyFinished() {
        return new Refusal.InvalidStateTransition(
                "The runtime already finished initializing (it asked for an invocation); report errors per invocation.");
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "RuntimeApiChannel[" + environment + ", " + state.getClass().getSimpleName() + "]";
        }
    }
}
