package io.kindling.worker.pool;

import io.kindling.assignment.Effect;
import io.kindling.assignment.EnvironmentEvent;
import io.kindling.assignment.EnvironmentLifecycle;
import io.kindling.assignment.EnvironmentState;
import io.kindling.assignment.FunctionError;
import io.kindling.assignment.InvocationId;
import io.kindling.assignment.LifecycleException;
import io.kindling.assignment.LifecycleSettings;
import io.kindling.assignment.Transition;
import io.kindling.worker.logs.EnvironmentLog;
import io.kindling.worker.logs.LogTail;
import io.kindling.worker.logs.PlatformLines;
import io.kindling.worker.logs.Report;
import io.kindling.worker.runtimeapi.InvocationRequest;
import io.kindling.worker.runtimeapi.RuntimeApiAttachment;
import io.kindling.worker.runtimeapi.RuntimeApiChannel;
import io.kindling.worker.runtimeapi.RuntimeApiListener;
import io.kindling.worker.runtimeapi.RuntimeOutcome;
import io.kindling.worker.sandbox.ExitStatus;
import io.kindling.worker.sandbox.ImageRoot;
import io.kindling.worker.sandbox.OutputSink;
import io.kindling.worker.sandbox.Sandbox;
import io.kindling.worker.sandbox.SandboxDriver;
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

    /**
     * Lambda's limit on the init phase of an on-demand environment; provisioned ones keep it too, so an init that
     * hangs is reported as failed within seconds rather than holding a slot of the requested count.
     */
    static final Duration INIT_TIMEOUT = Duration.ofSeconds(10);

    private final String id;
    private final FunctionVersionSpec function;
    private final EnvironmentContext context;
    private final Consumer<ExecutionEnvironment> onGone;
    private final InitializationType initializationType;
    /** The lifecycle's settings for this environment: a provisioned one is kept warm (no idle timeout). */
    private final LifecycleSettings settings;
    /** Why a provisioned environment's init failed, once it has; written by the event thread before Gone. */
    private volatile String initFailure;
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
    /** This environment's log stream; its output is the sandbox's stdout and stderr. */
    private final EnvironmentLog functionLog;
    /**
     * {@link System#nanoTime()} stamps, 0 until they happen: the sandbox start began, the driver's start was called and
     * returned, the runtime first asked for work (init is the first to the last). For the cold-start breakdown also
     * when the pool began assigning the first invocation (0 for a provisioned environment).
     */
    private long startedNanos;
    private final long assignmentStartedNanos;
    private long driverCalledNanos;
    private long driverReturnedNanos;
    private long firstNextNanos;
    /** Whether the next REPORT is an on-demand cold start's (carries Init Duration). */
    private boolean firstInvocation;
    /** When the pending invocation was delivered (or, for an init failure, assigned); and whether START is written. */
    private long invocationStartedNanos;
    private boolean invocationLogged;
    /** The sandbox's exit, kept for the log line of a crash. */
    private ExitStatus exit;
    /** Bumped on every transition, so a timer armed by an earlier state is recognised and dropped. */
    private long timerGeneration;

    private record Pending(InvocationRequest request, CompletableFuture<InvokeOutcome> caller) {
        InvocationId id() {
            return new InvocationId(request.requestId());
        }
    }

    private ExecutionEnvironment(String id, FunctionVersionSpec function, EnvironmentContext context,
                                 InitializationType initializationType, long assignmentStartedNanos,
                                 Consumer<ExecutionEnvironment> onGone) {
        this.id = id;
        this.assignmentStartedNanos = assignmentStartedNanos;
        this.function = function;
        this.context = context;
        this.onGone = onGone;
        this.initializationType = initializationType;
        this.settings = initializationType == InitializationType.PROVISIONED_CONCURRENCY
                ? context.settings().keepingWarm() : context.settings();
        // Lambda's REPORT carries Init Duration only for an on-demand cold start; a provisioned init is nobody's wait.
        this.firstInvocation = initializationType == InitializationType.ON_DEMAND;
        this.events = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("environment-" + id).factory());
        this.functionLog = context.logs().environment(function.functionName(), function.version(), logStreamName());
    }

    /**
     * A new environment for {@code first}, the invocation that found no warm one (a cold start: Lambda runs init on
     * the first invoke and returns init errors to it). Nothing starts until {@link Started#begin()}: the caller
     * first admits it against the worker's memory.
     *
     * @param id the sandbox id, unique among live sandboxes of the driver
     * @param assignmentStartedNanos when the pool began looking for an environment for {@code first}
     *     ({@link System#nanoTime()}), where the cold start's breakdown begins
     * @param onGone called on the environment's thread once it is Gone and torn down, before {@link #gone()} completes
     */
    public static Started create(String id, FunctionVersionSpec function, EnvironmentContext context,
                                 InvocationRequest first, long assignmentStartedNanos,
                                 Consumer<ExecutionEnvironment> onGone) {
        ExecutionEnvironment environment = new ExecutionEnvironment(id, function, context,
                InitializationType.ON_DEMAND, assignmentStartedNanos, onGone);
        Instant deadline = Instant.ofEpochMilli(first.deadlineEpochMillis());
        environment.state = new EnvironmentState.Creating(context.clock().instant(), new InvocationId(first.requestId()), deadline);
        return new Started(environment, first, new CompletableFuture<>());
    }

    /**
     * A new provisioned environment: it is initialized ahead of any invoke ({@link #initialize()}), becomes Idle
     * when its runtime first asks for work, is kept warm (no idle timeout) and has
     * {@code AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency}. An init failure is kept in
     * {@link #initFailure()} for its pool, since no caller waits. Nothing starts until {@link #initialize()}: the
     * caller first admits it against the worker's memory.
     *
     * @param id the sandbox id, unique among live sandboxes of the driver
     * @param onGone called on the environment's thread once it is Gone and torn down, before {@link #gone()} completes
     */
    public static ExecutionEnvironment createProvisioned(String id, FunctionVersionSpec function,
                                                         EnvironmentContext context,
                                                         Consumer<ExecutionEnvironment> onGone) {
        ExecutionEnvironment environment = new ExecutionEnvironment(id, function, context,
                InitializationType.PROVISIONED_CONCURRENCY, 0, onGone);
        Instant now = context.clock().instant();
        environment.state = new EnvironmentState.Creating(now, Optional.empty(), now.plus(INIT_TIMEOUT), null);
        return environment;
    }

    /** Starts a provisioned environment's sandbox and init on its own thread; returns at once. Call once. */
    public void initialize() {
        if (initializationType != InitializationType.PROVISIONED_CONCURRENCY) {
            throw new IllegalStateException("environment " + id + " is initialized by its first invocation");
        }
        submit(() -> {
            Instant now = context.clock().instant();
            record(EnvironmentLifecycle.provision(now.plus(INIT_TIMEOUT), now, settings));
        });
    }

    /** A new environment and the answer to its first invocation. */
    public record Started(ExecutionEnvironment environment, InvocationRequest first,
                          CompletableFuture<InvokeOutcome> outcome) {
        /** Starts the sandbox on the environment's thread; returns at once. Call once. */
        public Started begin() {
            environment.begin(first, outcome);
            return this;
        }
    }

    private void begin(InvocationRequest first, CompletableFuture<InvokeOutcome> caller) {
        submit(() -> {
            pending = new Pending(first, caller);
            Instant now = context.clock().instant();
            // As in Lambda: init has its own limit, and the first invocation's timeout starts when init ends.
            record(EnvironmentLifecycle.start(pending.id(), now.plus(INIT_TIMEOUT), function.timeout(), now,
                    settings));
        });
    }

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
                        context.clock().instant(), settings);
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

    public InitializationType initializationType() {
        return initializationType;
    }

    public boolean isProvisioned() {
        return initializationType == InitializationType.PROVISIONED_CONCURRENCY;
    }

    /**
     * Why this provisioned environment's init failed (the runtime's error type and message, an exit, the init
     * timeout, or a sandbox that would not start), once it has; empty otherwise. Set before the environment is Gone.
     */
    public Optional<String> initFailure() {
        return Optional.ofNullable(initFailure);
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
            record(EnvironmentLifecycle.next(state, event, context.clock().instant(), settings));
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
            case Effect.ReportInitFailure r -> initFailure = InitFailures.describe(r.error(),
                    initError == null ? null : initError.body(), exitDescription(), function.memoryMb(), INIT_TIMEOUT);
            case Effect.Freeze _ -> withSandbox("freeze", Sandbox::freeze);
            case Effect.Thaw _ -> withSandbox("thaw", Sandbox::thaw);
            case Effect.SendSigterm _ -> withSandbox("terminate", Sandbox::terminate);
            case Effect.SendSigkill _ -> withSandbox("kill", Sandbox::kill);
            case Effect.Destroy _ -> destroy();
            case Effect.ScheduleTimer t -> arm(t);
        }
    }

    private void startSandbox(List<EnvironmentEvent> followUps) {
        startedNanos = System.nanoTime();
        SandboxSpec spec;
        SandboxFiles files;
        try {
            spec = sandboxSpec();
            // An image root that cannot be listed (its mount gone) is the worker's failure, not the function's.
            files = SandboxFiles.of(spec);
        } catch (RuntimeException e) {
            startFailed(e);
            return;
        }
        // Before anything is created, as Lambda: a missing bootstrap is the function's error, with Lambda's wording,
        // not a bwrap exit status.
        Optional<String> invalid = function.runtime().invalidEntrypoint(files);
        if (invalid.isPresent()) {
            followUps.add(new EnvironmentEvent.EntrypointInvalid(invalid.get()));
            return;
        }
        try {
            driverCalledNanos = System.nanoTime();
            // The runtime starts at whatever CPU is free; the function's cap applies once it asks for work.
            sandbox = context.driver().start(spec, SandboxDriver.CpuCap.AFTER_INIT);
            driverReturnedNanos = System.nanoTime();
            RuntimeApiChannel channel = new RuntimeApiChannel(id, new Listener());
            attachment = context.runtimeApi().attach(sandbox.runtimeApiListener(), channel);
        } catch (SandboxException | IOException | RuntimeException e) {
            // Nothing of the function ran: an infrastructure failure, not a function error. The lifecycle has no
            // event for it, so the environment ends here.
            startFailed(e);
            return;
        }
        sandbox.exit().whenComplete((status, failure) -> {
            // The exit future only fails if the sandbox cannot wait for its process; treat it as a crash so the
            // lifecycle still answers the caller and tears the environment down.
            ExitStatus exited = status != null ? status : ExitStatus.of(255, false);
            submit(() -> {
                exit = exited;
                handle(new EnvironmentEvent.ProcessExited(exited.exitCode(), exited.oomKilled()));
            });
        });
        followUps.add(new EnvironmentEvent.SandboxReady());
    }

    /** The environment ends outside the lifecycle, which has no event for a sandbox that would not start. */
    private void startFailed(Exception e) {
        if (isProvisioned()) {
            initFailure = InitFailures.sandboxFailed(id, e);
        }
        tearDownOutsideLifecycle(new EnvironmentUnavailable(EnvironmentUnavailable.Reason.START_FAILED,
                "environment " + id + " could not start", e));
    }

    /**
     * The sandbox for this environment. Variables, each later source overriding the earlier: a container image's own
     * ENV, the function's variables, the runtime's, then Lambda's reserved ones; LANG, PATH and LD_LIBRARY_PATH only
     * where none of those set them (so an image's own PATH wins).
     */
    private SandboxSpec sandboxSpec() {
        Runtime runtime = function.runtime();
        Map<String, String> env = new LinkedHashMap<>();
        function.image().ifPresent(image -> env.putAll(image.environment()));
        env.putAll(function.environment());
        env.putAll(runtime.environment());
        // Lambda's reserved variables win over the function's own.
        env.put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001");
        env.put("AWS_LAMBDA_FUNCTION_NAME", function.functionName());
        env.put("AWS_LAMBDA_FUNCTION_VERSION", function.version());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(function.memoryMb()));
        env.put("AWS_LAMBDA_FUNCTION_TIMEOUT", Long.toString(function.timeout().toSeconds()));
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", function.logGroup());
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", functionLog.streamName());
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", initializationType.environmentValue());
        if (function.image().isEmpty()) {
            // Lambda leaves it to the image (AWS base images set it in their ENV).
            env.put("AWS_EXECUTION_ENV", "AWS_Lambda_" + runtime.name());
        }
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
        SandboxSpec.Builder builder = function.image()
                .map(image -> SandboxSpec.imageBuilder(id, new ImageRoot(function.codeDir(), image.workingDirectory())))
                .orElseGet(() -> SandboxSpec.builder(id, function.codeDir())
                        .rootBinds(runtime.rootBinds())
                        .runtimeDir(runtime.runtimeDir()));
        return builder
                .command(runtime.command(function.handler(), function.memoryMb()))
                .environment(env)
                .limits(SandboxLimits.lambda(function.memoryMb(), function.ephemeralStorageMb()))
                .output(OutputSink.stream(functionLog.output()))
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
        if (state instanceof EnvironmentState.Busy busy
                && busy.deadline().toEpochMilli() != current.request().deadlineEpochMillis()) {
            // The cold start's invocation: its deadline was set when init ended, not when it was assigned.
            current = new Pending(current.request().withDeadline(busy.deadline().toEpochMilli()), current.caller());
            pending = current;
        }
        beginInvocationLog(current);
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
        Report.Status status = switch (reported) {
            case RuntimeOutcome.Response r -> Report.Status.success();
            case RuntimeOutcome.FunctionError e -> Report.Status.error(e.errorType());
            case RuntimeOutcome.ResponseTooLarge t -> Report.Status.error(RuntimeOutcome.ResponseTooLarge.ERROR_TYPE);
            case RuntimeOutcome.InitError e -> Report.Status.error(e.errorType());
        };
        // A function error the runtime reported is still a completed invocation in Lambda's REPORT.
        LogTail tail = endInvocationLog(current, reported instanceof RuntimeOutcome.FunctionError
                ? Report.Status.success() : status);
        InvokeOutcome outcome = switch (reported) {
            case RuntimeOutcome.Response r -> new InvokeOutcome.Response(r.body(), r.contentType(), tail);
            case RuntimeOutcome.FunctionError e -> new InvokeOutcome.FunctionFailure(e.errorType(), e.body(), tail);
            case RuntimeOutcome.ResponseTooLarge t -> new InvokeOutcome.FunctionFailure(
                    RuntimeOutcome.ResponseTooLarge.ERROR_TYPE, t.callerBody(), tail);
            case RuntimeOutcome.InitError e -> new InvokeOutcome.FunctionFailure(e.errorType(), e.body(), tail);
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
        beginInvocationLog(current);
        if (error instanceof FunctionError.RuntimeExit || error instanceof FunctionError.OutOfMemory) {
            functionLog.platformLine(PlatformLines.runtimeExited(current.request().requestId(), exitDescription(),
                    error.errorType()));
        }
        LogTail tail = endInvocationLog(current, error instanceof FunctionError.Timeout
                ? Report.Status.timeout() : Report.Status.error(error.errorType()));
        current.caller().complete(new InvokeOutcome.FunctionFailure(error.errorType(), body, tail));
    }

    /** Writes START once per invocation: at delivery, or when it fails before delivery (an init failure). */
    private void beginInvocationLog(Pending current) {
        if (!invocationLogged) {
            functionLog.start(current.request().requestId());
            invocationLogged = true;
            invocationStartedNanos = System.nanoTime();
        }
    }

    /** Writes END and REPORT, with Init Duration on the cold start's invocation, and returns the invocation's tail. */
    private LogTail endInvocationLog(Pending current, Report.Status status) {
        Report report = Report.of(Duration.ofNanos(System.nanoTime() - invocationStartedNanos), function.memoryMb(),
                Report.mebibytes(peakMemoryBytes())).withStatus(status);
        if (firstInvocation) {
            firstInvocation = false;
            Duration init = startedNanos == 0 ? Duration.ZERO
                    : Duration.ofNanos((firstNextNanos != 0 ? firstNextNanos : System.nanoTime()) - startedNanos);
            report = report.withInitDuration(init);
            if (firstNextNanos != 0 && assignmentStartedNanos != 0 && sandbox != null) {
                reportColdStart(System.nanoTime());
            }
        }
        invocationLogged = false;
        return functionLog.end(current.request().requestId(), report);
    }

    /** Tells the context's observer where this cold start's time went, and logs it at debug. */
    private void reportColdStart(long answeredNanos) {
        ColdStartPhases phases = new ColdStartPhases(Duration.ofNanos(driverCalledNanos - assignmentStartedNanos),
                sandbox.startTimes(), Duration.ofNanos(firstNextNanos - driverReturnedNanos),
                Duration.ofNanos(answeredNanos - firstNextNanos));
        if (log.isDebugEnabled()) {
            StringBuilder line = new StringBuilder();
            phases.byName().forEach((name, took) -> line.append(' ').append(name).append('=').append(took.toNanos() / 1000));
            log.debug("environment {}: cold start of {} in {} µs,{} µs{}", id, function.qualifiedName(),
                    phases.total().toNanos() / 1000, line, phases.sandbox().pooled() ? ", pre-created slot" : "");
        }
        try {
            context.coldStarts().coldStarted(function, phases);
        } catch (RuntimeException e) {
            log.warn("environment {}: the cold-start observer failed", id, e);
        }
    }

    /** Max Memory Used: the cgroup's peak, which covers every process of the sandbox. */
    private long peakMemoryBytes() {
        if (sandbox == null) {
            return 0;
        }
        try {
            return sandbox.peakMemoryBytes();
        } catch (SandboxException | RuntimeException e) {
            return 0; // the cgroup can already be gone after a crash
        }
    }

    private String exitDescription() {
        if (exit == null) {
            return "exit status unknown";
        }
        return exit.signal().isPresent() ? "signal: " + signalName(exit.signal().getAsInt())
                : "exit status " + exit.exitCode();
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 9 -> "killed";
            case 15 -> "terminated";
            case 11 -> "segmentation fault";
            case 6 -> "aborted";
            default -> Integer.toString(signal);
        };
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
        functionLog.close();
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
            long askedAt = System.nanoTime();
            submit(() -> {
                if (firstNextNanos == 0 && startedNanos != 0) {
                    firstNextNanos = askedAt;
                    // Init is over: from here the function runs under its CPU cap, its handler included.
                    withSandbox("apply the CPU cap", Sandbox::initDone);
                }
                handle(new EnvironmentEvent.RuntimeAskedForNext());
            });
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
