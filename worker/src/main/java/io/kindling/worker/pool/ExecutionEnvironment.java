package io.kindling.worker.pool;

import io.kindling.assignment.Effect;
import io.kindling.assignment.EnvironmentEvent;
import io.kindling.assignment.EnvironmentLifecycle;
import io.kindling.assignment.EnvironmentState;
import io.kindling.assignment.FunctionError;
import io.kindling.assignment.InvocationId;
import io.kindling.assignment.LifecycleException;
import io.kindling.assignment.Transition;
import io.kindling.worker.runtimeapi.InvocationRequest;
import io.kindling.worker.runtimeapi.RuntimeApiAttachment;
import io.kindling.worker.runtimeapi.RuntimeApiChannel;
import io.kindling.worker.runtimeapi.RuntimeApiListener;
import io.kindling.worker.runtimeapi.RuntimeOutcome;
import io.kindling.worker.sandbox.ExitStatus;
import io.kindling.worker.sandbox.Sandbox;
import io.kindling.worker.sandbox.SandboxException;
import io.kindling.worker.sandbox.SandboxFiles;
import io.kindling.worker.sandbox.SandboxLimits;
import io.kindling.worker.sandbox.SandboxSpec;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver of ONE execution environment: it feeds events to {@link EnvironmentLifecycle}, stores the state it
 * returns and runs the effects over a real sandbox and the environment's Runtime API channel.
 *
 * <p>Threads: every event, whatever its source (the caller of {@link #invoke}, the runtime's request threads through
 * the {@link RuntimeApiListener}, the sandbox's exit future, the shared timer thread), is queued to this environment's
 * own single virtual thread, which computes the transition, records the state and runs the effects, blocking ones
 * (sandbox start, freeze, close) included. So transitions apply in arrival order and effects never overlap; events
 * arriving during a blocking effect wait for it. {@link #state()} may be read from any thread. When the state is
 * {@link EnvironmentState.Gone} the thread stops and later events are dropped.
 */
public final class ExecutionEnvironment {
    private static final Logger log = LoggerFactory.getLogger(ExecutionEnvironment.class);
    private static final DateTimeFormatter LOG_STREAM_DATE = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);

    private final String id;
    private final FunctionVersionSpec function;
    private final EnvironmentContext context;
    private final Consumer<ExecutionEnvironment> onGone;
    private final ExecutorService events;
    private final CompletableFuture<EnvironmentState.Gone> gone = new CompletableFuture<>();
    /** Futures waiting for a state, completed on the event thread as the state is recorded; guarded by itself. */
    private final List<Watcher> watchers = new ArrayList<>();

    /** Written only by the event thread; volatile so the pool can take snapshots. */
    private volatile EnvironmentState state;

    // ---- owned by the event thread ----
    private Sandbox sandbox;
    private RuntimeApiAttachment attachment;
    /** The invocation held by the state (waiting for init, delivered, or being answered), with its caller. */
    private Pending pending;
    /** What the runtime reported for the pending invocation, kept for the CompleteInvocation effect. */
    private RuntimeOutcome reported;
    /** The runtime's init error report, kept for the FailInvocation effect that answers the first invoke. */
    private RuntimeOutcome.InitError initError;
    private ScheduledFuture<?> timer;
    /** Bumped on every transition, so a timer armed by an earlier state is recognised and dropped. */
    private long timerGeneration;

    private record Pending(InvocationRequest request, CompletableFuture<InvokeOutcome> caller) {
        InvocationId id() {
            return new InvocationId(request.requestId());
        }
    }

    private ExecutionEnvironment(String id, FunctionVersionSpec function, EnvironmentContext context,
                                 Consumer<ExecutionEnvironment> onGone) {
        this.id = id;
        this.function = function;
        this.context = context;
        this.onGone = onGone;
        this.events = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("environment-" + id).factory());
    }

    /**
     * Starts a new environment for {@code first}, the invocation that found no warm one (a cold start: Lambda runs
     * init on the first invoke and returns init errors to it). Returns at once; the sandbox starts on the
     * environment's thread.
     *
     * @param id the sandbox id, unique among live sandboxes of the driver
     * @param onGone called on the environment's thread once it is Gone and torn down, before {@link #gone()} completes
     */
    public static Started start(String id, FunctionVersionSpec function, EnvironmentContext context,
                                InvocationRequest first, Consumer<ExecutionEnvironment> onGone) {
        ExecutionEnvironment environment = new ExecutionEnvironment(id, function, context, onGone);
        CompletableFuture<InvokeOutcome> caller = new CompletableFuture<>();
        Instant deadline = Instant.ofEpochMilli(first.deadlineEpochMillis());
        environment.state = new EnvironmentState.Creating(context.clock().instant(), new InvocationId(first.requestId()), deadline);
        environment.submit(() -> {
            environment.pending = new Pending(first, caller);
            Transition start = EnvironmentLifecycle.start(environment.pending.id(), deadline,
                    context.clock().instant(), context.settings());
            environment.record(start);
        });
        return new Started(environment, caller);
    }

    /** A new environment and the answer to its first invocation. */
    public record Started(ExecutionEnvironment environment, CompletableFuture<InvokeOutcome> outcome) {}

    /**
     * Hands {@code request} to this warm environment. The caller (the pool) must not give it a second one before the
     * first is answered. Fails with {@link EnvironmentUnavailable} if it is no longer warm when the assignment reaches
     * its thread (e.g. the idle timeout fired first); nothing ran then, so the caller may try another environment.
     */
    public CompletableFuture<InvokeOutcome> invoke(InvocationRequest request) {
        Objects.requireNonNull(request, "request");
        CompletableFuture<InvokeOutcome> caller = new CompletableFuture<>();
        boolean queued = submit(() -> {
            Pending assigned = new Pending(request, caller);
            try {
                Transition transition = EnvironmentLifecycle.next(state, new EnvironmentEvent.InvokeAssigned(
                        assigned.id(), Instant.ofEpochMilli(request.deadlineEpochMillis())),
                        context.clock().instant(), context.settings());
                pending = assigned;
                record(transition);
            } catch (LifecycleException refused) {
                caller.completeExceptionally(new EnvironmentUnavailable(EnvironmentUnavailable.Reason.NOT_WARM,
                        "environment " + id + " cannot take "
                        + request.requestId() + ": " + refused.getMessage(), refused));
            }
        });
        if (!queued) {
            caller.completeExceptionally(new EnvironmentUnavailable(EnvironmentUnavailable.Reason.NOT_WARM,
                    "environment " + id + " is gone"));
        }
        return caller;
    }

    /**
     * Asks a warm environment to shut down (SIGTERM, then SIGKILL after the grace). A busy one finishes its invocation
     * first and is asked again when it is warm. An environment still starting is torn down at once, failing its
     * first invocation with {@link EnvironmentUnavailable}.
     */
    public void shutdown() {
        submit(this::shutdownOnThread);
    }

    private void shutdownOnThread() {
        switch (state.kind()) {
            case IDLE, FROZEN -> handle(new EnvironmentEvent.ShutdownRequested());
            case DRAINING, GONE -> {}
            // Busy, AwaitingNext: the invocation keeps its deadline; ask again once it is warm.
            case BUSY, AWAITING_NEXT -> settled().thenRun(this::shutdown);
            // The lifecycle has no way out of these but the deadline or an exit; the worker is going, so cut it short.
            case CREATING, INITIALIZING -> tearDownOutsideLifecycle(new EnvironmentUnavailable(
                    EnvironmentUnavailable.Reason.SHUT_DOWN, "environment " + id + " was shut down during init"));
        }
    }

    public String id() {
        return id;
    }

    public FunctionVersionSpec function() {
        return function;
    }

    /** The state as of the last transition; may be read from any thread. */
    public EnvironmentState state() {
        return state;
    }

    /** Completes once the environment is Gone and everything it held is released. */
    public CompletableFuture<EnvironmentState.Gone> gone() {
        return gone.copy();
    }

    /**
     * Completes when the environment is next warm (Idle or Frozen) or Gone, at once if it is now. A caller that just got
     * its answer uses it to know the runtime is back in {@code /next}.
     */
    public CompletableFuture<Void> settled() {
        return reaches(ExecutionEnvironment::isSettled).thenApply(state -> null);
    }

    /**
     * Completes with the first recorded state (the current one included) that {@code wanted} accepts; if the
     * environment goes first, with the Gone state. For tests and diagnostics.
     */
    public CompletableFuture<EnvironmentState> reaches(Predicate<EnvironmentState> wanted) {
        Watcher watcher = new Watcher(wanted, new CompletableFuture<>());
        synchronized (watchers) {
            EnvironmentState now = state;
            if (wanted.test(now) || now instanceof EnvironmentState.Gone) {
                return CompletableFuture.completedFuture(now);
            }
            watchers.add(watcher);
        }
        return watcher.future().copy();
    }

    private record Watcher(Predicate<EnvironmentState> wanted, CompletableFuture<EnvironmentState> future) {}

    private static boolean isSettled(EnvironmentState state) {
        return state.kind().acceptsInvocations() || state instanceof EnvironmentState.Gone;
    }

    // ---- the event thread ----

    /** Queues work for the event thread; false when the environment is gone and its thread stopped. */
    private boolean submit(Runnable work) {
        try {
            events.execute(() -> {
                try {
                    work.run();
                } catch (RuntimeException e) {
                    log.error("environment {}: event handling failed in state {}", id, state, e);
                }
            });
            return true;
        } catch (RejectedExecutionException stopped) {
            return false;
        }
    }

    /** Feeds {@code event} to the lifecycle. Only on the event thread. */
    private void handle(EnvironmentEvent event) {
        if (state instanceof EnvironmentState.Gone) {
            return; // e.g. the exit future completing because Destroy closed the sandbox
        }
        try {
            record(EnvironmentLifecycle.next(state, event, context.clock().instant(), context.settings()));
        } catch (LifecycleException refused) {
            // A race between sources the lifecycle has decided on (e.g. a timer and an exit): the state stands.
            log.debug("environment {}: {}", id, refused.getMessage());
        }
    }

    /** Stores the new state, disarms the old timer, runs the effects. Only on the event thread. */
    private void record(Transition transition) {
        state = transition.next();
        timerGeneration++;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        List<EnvironmentEvent> followUps = new ArrayList<>();
        for (Effect effect : transition.effects()) {
            run(effect, followUps);
        }
        if (state instanceof EnvironmentState.Gone g) {
            finishGone(g);
            return;
        }
        notifyWatchers();
        // Handled before anything queued meanwhile: SandboxReady must precede the runtime's first /next.
        for (EnvironmentEvent followUp : followUps) {
            handle(followUp);
        }
    }

    private void run(Effect effect, List<EnvironmentEvent> followUps) {
        switch (effect) {
            case Effect.StartSandbox _ -> startSandbox(followUps);
            case Effect.DeliverInvocation d -> deliver(d.invocation());
            case Effect.CompleteInvocation c -> complete(c.invocation());
            case Effect.FailInvocation f -> fail(f.invocation(), f.error());
            case Effect.Freeze _ -> withSandbox("freeze", Sandbox::freeze);
            case Effect.Thaw _ -> withSandbox("thaw", Sandbox::thaw);
            case Effect.SendSigterm _ -> withSandbox("terminate", Sandbox::terminate);
            case Effect.SendSigkill _ -> withSandbox("kill", Sandbox::kill);
            case Effect.Destroy _ -> destroy();
            case Effect.ScheduleTimer t -> arm(t);
        }
    }

    private void startSandbox(List<EnvironmentEvent> followUps) {
        SandboxSpec spec;
        try {
            spec = sandboxSpec();
        } catch (RuntimeException e) {
            tearDownOutsideLifecycle(new EnvironmentUnavailable(EnvironmentUnavailable.Reason.START_FAILED,
                    "environment " + id + " could not start", e));
            return;
        }
        // Before anything is created, as Lambda: a missing bootstrap is the function's error, with Lambda's wording,
        // not a bwrap exit status.
        Optional<String> invalid = function.runtime().invalidEntrypoint(SandboxFiles.of(spec));
        if (invalid.isPresent()) {
            followUps.add(new EnvironmentEvent.EntrypointInvalid(invalid.get()));
            return;
        }
        try {
            sandbox = context.driver().start(spec);
            RuntimeApiChannel channel = new RuntimeApiChannel(id, new Listener());
            attachment = context.runtimeApi().attach(sandbox.runtimeApiListener(), channel);
        } catch (SandboxException | IOException | RuntimeException e) {
            // Nothing of the function ran: an infrastructure failure, not a function error. The lifecycle has no
            // event for it, so the environment ends here.
            tearDownOutsideLifecycle(new EnvironmentUnavailable(EnvironmentUnavailable.Reason.START_FAILED,
                    "environment " + id + " could not start", e));
            return;
        }
        sandbox.exit().whenComplete((status, failure) -> {
            // The exit future only fails if the sandbox cannot wait for its process; treat it as a crash so the
            // lifecycle still answers the caller and tears the environment down.
            ExitStatus exit = status != null ? status : ExitStatus.of(255, false);
            submit(() -> handle(new EnvironmentEvent.ProcessExited(exit.exitCode(), exit.oomKilled())));
        });
        followUps.add(new EnvironmentEvent.SandboxReady());
    }

    private SandboxSpec sandboxSpec() {
        Runtime runtime = function.runtime();
        Map<String, String> env = new LinkedHashMap<>(function.environment());
        env.putAll(runtime.environment());
        // Lambda's reserved variables win over the function's own.
        env.put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001");
        env.put("AWS_LAMBDA_FUNCTION_NAME", function.functionName());
        env.put("AWS_LAMBDA_FUNCTION_VERSION", function.version());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(function.memoryMb()));
        env.put("AWS_LAMBDA_FUNCTION_TIMEOUT", Long.toString(function.timeout().toSeconds()));
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", function.logGroup());
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", logStreamName());
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_" + runtime.name());
        env.put("AWS_REGION", function.region());
        env.put("AWS_DEFAULT_REGION", function.region());
        env.put("_HANDLER", function.handler());
        env.put("LAMBDA_TASK_ROOT", "/var/task");
        env.put("LAMBDA_RUNTIME_DIR", "/var/runtime");
        env.put("TZ", ":UTC");
        env.putIfAbsent("LANG", "en_US.UTF-8");
        env.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin:/opt/bin");
        // Lambda's value without /var/lang/lib, which does not exist here; functions may extend it, as in Lambda.
        env.putIfAbsent("LD_LIBRARY_PATH", "/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib");
        return SandboxSpec.builder(id, function.codeDir())
                .command(runtime.command(function.handler(), function.memoryMb()))
                .environment(env)
                .limits(SandboxLimits.lambda(function.memoryMb(), function.ephemeralStorageMb()))
                .output(context.output().apply(id))
                .rootBinds(runtime.rootBinds())
                .runtimeDir(runtime.runtimeDir())
                .build();
    }

    /** {@code 2024/01/31/[$LATEST]<32 hex>}, one stream per environment as in Lambda. */
    private String logStreamName() {
        byte[] random = new byte[16];
        ThreadLocalRandom.current().nextBytes(random);
        return LOG_STREAM_DATE.format(context.clock().instant()) + "/[" + function.version() + "]"
                + HexFormat.of().formatHex(random);
    }

    private void deliver(InvocationId invocation) {
        Pending current = requirePending(invocation);
        reported = null;
        // The answer arrives through the listener (before this future completes); only a failure matters here.
        attachment.channel().deliver(current.request()).whenComplete((outcome, failure) -> {
            if (failure != null) {
                log.debug("environment {}: invocation {} ended without an answer", id, invocation, failure);
            }
        });
    }

    private void complete(InvocationId invocation) {
        Pending current = requirePending(invocation);
        pending = null;
        InvokeOutcome outcome = switch (reported) {
            case RuntimeOutcome.Response r -> new InvokeOutcome.Response(r.body(), r.contentType());
            case RuntimeOutcome.FunctionError e -> new InvokeOutcome.FunctionFailure(e.errorType(), e.body());
            case RuntimeOutcome.ResponseTooLarge t -> new InvokeOutcome.FunctionFailure(
                    RuntimeOutcome.ResponseTooLarge.ERROR_TYPE, t.callerBody());
            case RuntimeOutcome.InitError e -> new InvokeOutcome.FunctionFailure(e.errorType(), e.body());
        };
        reported = null;
        current.caller().complete(outcome);
    }

    private void fail(InvocationId invocation, FunctionError error) {
        Pending current = requirePending(invocation);
        pending = null;
        byte[] body = error instanceof FunctionError.InitError && initError != null
                ? initError.body()
                : LambdaErrorBodies.of(error, invocation, function.timeout());
        current.caller().complete(new InvokeOutcome.FunctionFailure(error.errorType(), body));
    }

    private Pending requirePending(InvocationId invocation) {
        if (pending == null || !pending.id().equals(invocation)) {
            throw new IllegalStateException("environment " + id + ": effect for " + invocation
                    + " but the pending invocation is " + (pending == null ? "none" : pending.id()));
        }
        return pending;
    }

    private interface SandboxAction {
        void apply(Sandbox sandbox) throws SandboxException;
    }

    private void withSandbox(String what, SandboxAction action) {
        if (sandbox == null) {
            return;
        }
        try {
            action.apply(sandbox);
        } catch (SandboxException e) {
            // Freeze, thaw and signals failing leave a sandbox we cannot trust; the lifecycle's timers still end it.
            log.warn("environment {}: {} failed", id, what, e);
        }
    }

    private void destroy() {
        if (attachment != null) {
            attachment.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    private void arm(Effect.ScheduleTimer scheduled) {
        long generation = timerGeneration;
        long delayNanos = Math.max(0, Duration.between(context.clock().instant(), scheduled.at()).toNanos());
        timer = context.timers().schedule(() -> submit(() -> {
            if (generation == timerGeneration) {
                handle(scheduled.event());
            }
        }), delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Ends the environment without the lifecycle, for failures it has no event for. Only on the event thread. */
    private void tearDownOutsideLifecycle(EnvironmentUnavailable why) {
        if (pending != null) {
            pending.caller().completeExceptionally(why);
            pending = null;
        }
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        destroy();
        EnvironmentState.Gone end = new EnvironmentState.Gone(EnvironmentState.Reason.SHUTDOWN);
        state = end;
        finishGone(end);
    }

    private void finishGone(EnvironmentState.Gone end) {
        if (pending != null) {
            // The lifecycle answers every invocation it holds before Gone; this only catches a driver bug.
            pending.caller().completeExceptionally(new IllegalStateException(
                    "environment " + id + " went " + end.reason() + " without answering " + pending.id()));
            pending = null;
        }
        events.shutdown(); // this task finishes; later submits are refused
        notifyWatchers();
        try {
            onGone.accept(this);
        } finally {
            gone.complete(end);
        }
    }

    private void notifyWatchers() {
        EnvironmentState now = state;
        List<Watcher> satisfied = new ArrayList<>();
        synchronized (watchers) {
            watchers.removeIf(w -> (w.wanted().test(now) || now instanceof EnvironmentState.Gone) && satisfied.add(w));
        }
        satisfied.forEach(w -> w.future().complete(now));
    }

    /** The runtime's progress, from its request threads: each becomes an event on the environment's thread. */
    private final class Listener implements RuntimeApiListener {
        @Override
        public void runtimeAskedForNext() {
            submit(() -> handle(new EnvironmentEvent.RuntimeAskedForNext()));
        }

        @Override
        public void outcome(InvocationRequest request, RuntimeOutcome outcome) {
            InvocationId invocation = new InvocationId(request.requestId());
            EnvironmentEvent event = outcome instanceof RuntimeOutcome.Response
                    ? new EnvironmentEvent.ResponseReported(invocation)
                    : new EnvironmentEvent.ErrorReported(invocation);
            submit(() -> {
                reported = outcome;
                handle(event);
            });
        }

        @Override
        public void initError(RuntimeOutcome.InitError error) {
            submit(() -> {
                initError = error;
                handle(new EnvironmentEvent.InitErrorReported(error.errorType()));
            });
        }
    }

    @Override
    public String toString() {
        return "ExecutionEnvironment[" + id + ", " + function.qualifiedName() + ", " + state.kind() + "]";
    }
}
