package io.kindling.worker.pool;

import io.kindling.assignment.EnvironmentPool;
import io.kindling.assignment.EnvironmentState;
import io.kindling.worker.runtimeapi.InvocationRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The execution environments of ONE function version: each invocation goes to the most recently used warm one, or to
 * a new one (a cold start). An environment holds one invocation at a time. Environments retire themselves through the
 * lifecycle's idle timeout and leave the pool when Gone.
 *
 * <p>A cold start is first admitted by the worker's {@link MemoryBudget}, which may evict other functions' idle
 * environments or refuse.
 *
 * <p>Threads: {@link #invoke} and {@link #close} may be called from any thread; the pool's bookkeeping is under one
 * short lock, and the environment work happens on each environment's own thread.
 */
public final class FunctionPool implements AutoCloseable {
    /** Enough for the races the pool can lose (a warm environment timing out as it is picked) without looping forever. */
    private static final int MAX_ASSIGNMENT_ATTEMPTS = 4;
    /**
     * An invocation that finds no warm environment but one whose runtime has answered and is on its way back to
     * {@code /next} waits for it, up to as long as this pool's last cold start took (clamped to these bounds), before
     * it starts a new one. Back-to-back invokes from one caller otherwise race the runtime's loop and pay a cold start
     * for a wait of a few milliseconds; at 128 MB, whose CPU share is 7% of a core, the loop of a shell runtime alone
     * takes tens of milliseconds.
     */
    static final Duration MIN_RETURNING_WAIT = Duration.ofMillis(50);
    static final Duration MAX_RETURNING_WAIT = Duration.ofSeconds(1);

    private final FunctionVersionSpec function;
    private final EnvironmentContext context;
    private final String idPrefix;
    private final AtomicLong started = new AtomicLong();
    /** How long the last cold start took, invoke to answer; the bound of the wait for a returning environment. */
    private volatile long lastColdStartNanos = MAX_RETURNING_WAIT.toNanos();
    private final Object lock = new Object();
    /** Guarded by {@link #lock}; insertion order, so ties in pickIdle go to the older environment. */
    private final Map<String, ExecutionEnvironment> environments = new LinkedHashMap<>();
    /** Environments holding an invocation the pool gave them; guarded by {@link #lock}. */
    private final Set<String> leased = new HashSet<>();
    /** Returning environments an invocation is waiting for; guarded by {@link #lock}. */
    private final Set<String> awaitedReturning = new HashSet<>();
    private boolean closed;
    /** Guarded by {@link #lock}. */
    private Runnable onEmpty;

    /**
     * @param idPrefix starts every sandbox id of this pool; must keep ids unique among live sandboxes of the driver
     */
    public FunctionPool(FunctionVersionSpec function, EnvironmentContext context, String idPrefix) {
        this.function = function;
        this.context = context;
        this.idPrefix = idPrefix;
    }

    public FunctionVersionSpec function() {
        return function;
    }

    /** Invokes with Lambda's deadline: now plus the function's timeout. */
    public CompletableFuture<InvokeOutcome> invoke(byte[] payload, String invokedArn) {
        return invoke(InvocationInput.of(payload, invokedArn));
    }

    /** Invokes with Lambda's deadline: now plus the function's timeout. */
    public CompletableFuture<InvokeOutcome> invoke(InvocationInput input) {
        return invoke(input, context.clock().instant().plus(function.timeout()));
    }

    /**
     * Runs one invocation. Fails with {@link EnvironmentUnavailable} when no environment could take it (the pool is
     * closed, the worker's memory is full, or a sandbox could not be started); function errors are outcomes, not
     * failures.
     */
    public CompletableFuture<InvokeOutcome> invoke(InvocationInput input, Instant deadline) {
        InvocationRequest request = new InvocationRequest(input.requestId(), input.payload(),
                deadline.toEpochMilli(), input.invokedArn(),
                InvocationRequest.newTraceId(context.clock().instant(), ThreadLocalRandom.current()),
                input.clientContext(), input.cognitoIdentity());
        return assign(request, 1);
    }

    private CompletableFuture<InvokeOutcome> assign(InvocationRequest request, int attempt) {
        ExecutionEnvironment warm;
        ExecutionEnvironment.Started cold = null;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new EnvironmentUnavailable(EnvironmentUnavailable.Reason.POOL_CLOSED,
                        "the pool of "
                        + function.qualifiedName() + " is closed"));
            }
            warm = pickWarm().orElse(null);
            if (warm == null && attempt == 1) {
                Optional<ExecutionEnvironment> returning = pickReturning();
                if (returning.isPresent()) {
                    ExecutionEnvironment awaited = returning.get();
                    awaitedReturning.add(awaited.id());
                    long wait = Math.clamp(lastColdStartNanos, MIN_RETURNING_WAIT.toNanos(), MAX_RETURNING_WAIT.toNanos());
                    return awaited.settled()
                            .completeOnTimeout(null, wait, TimeUnit.NANOSECONDS)
                            .thenCompose(settled -> {
                                synchronized (lock) {
                                    awaitedReturning.remove(awaited.id());
                                }
                                return assign(request, attempt + 1);
                            });
                }
            }
            if (warm == null) {
                String id = idPrefix + "-" + started.incrementAndGet();
                cold = ExecutionEnvironment.create(id, function, context, request, this::remove);
                try {
                    context.memory().admit(cold.environment(), function.memoryBytes());
                } catch (EnvironmentUnavailable full) {
                    return CompletableFuture.failedFuture(full);
                }
                warm = cold.environment();
                environments.put(id, warm);
                cold.begin();
            }
            leased.add(warm.id());
        }
        ExecutionEnvironment chosen = warm;
        CompletableFuture<InvokeOutcome> outcome = cold != null ? cold.outcome() : chosen.invoke(request);
        long assigned = System.nanoTime();
        boolean isCold = cold != null;
        CompletableFuture<InvokeOutcome> answered = outcome.whenComplete((result, failure) -> {
            if (isCold && failure == null) {
                lastColdStartNanos = System.nanoTime() - assigned;
            }
            release(chosen);
        });
        if (cold != null || attempt >= MAX_ASSIGNMENT_ATTEMPTS) {
            return answered;
        }
        // A warm environment can leave the warm states between the pick and the assignment; nothing ran, so retry.
        return answered.handle((result, failure) -> failure == null
                        ? CompletableFuture.completedFuture(result)
                        : unwrap(failure) instanceof EnvironmentUnavailable u
                                        && u.reason() == EnvironmentUnavailable.Reason.NOT_WARM
                                ? assign(request, attempt + 1)
                                : CompletableFuture.<InvokeOutcome>failedFuture(failure))
                .thenCompose(f -> f);
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /** Under {@link #lock}. */
    private Optional<ExecutionEnvironment> pickWarm() {
        List<EnvironmentPool.Snapshot<ExecutionEnvironment>> snapshots = new ArrayList<>();
        for (ExecutionEnvironment environment : environments.values()) {
            if (leased.contains(environment.id())) {
                continue;
            }
            EnvironmentState state = environment.state();
            Instant lastUsed = switch (state) {
                case EnvironmentState.Idle idle -> idle.since();
                case EnvironmentState.Frozen frozen -> frozen.idleSince();
                default -> null;
            };
            if (lastUsed != null) {
                snapshots.add(new EnvironmentPool.Snapshot<>(environment, function.qualifiedName(),
                        function.memoryBytes(), lastUsed, state.kind()));
            }
        }
        return EnvironmentPool.pickIdle(snapshots);
    }

    /**
     * An environment that answered its invocation, whose runtime has not asked for the next yet, and that no other
     * invocation is waiting for: one waiter per returning environment, so a burst does not queue behind one runtime.
     * Under the lock.
     */
    private Optional<ExecutionEnvironment> pickReturning() {
        return environments.values().stream()
                .filter(e -> !leased.contains(e.id()) && !awaitedReturning.contains(e.id())
                        && e.state() instanceof EnvironmentState.AwaitingNext)
                .findFirst();
    }

    private void release(ExecutionEnvironment environment) {
        synchronized (lock) {
            leased.remove(environment.id());
        }
    }

    private void remove(ExecutionEnvironment environment) {
        context.memory().release(environment);
        Runnable whenEmpty;
        synchronized (lock) {
            environments.remove(environment.id());
            leased.remove(environment.id());
            whenEmpty = environments.isEmpty() ? onEmpty : null;
        }
        if (whenEmpty != null) {
            whenEmpty.run();
        }
    }

    /** True when the pool holds no environment (all Gone or none started). */
    public boolean isEmpty() {
        synchronized (lock) {
            return environments.isEmpty();
        }
    }

    /**
     * Called (on an environment's thread) each time the pool's last environment is Gone, so whoever keeps pools can
     * drop this one; a pool without environments holds nothing worth keeping.
     */
    public void onEmpty(Runnable action) {
        synchronized (lock) {
            onEmpty = action;
        }
    }

    /** The environments not Gone yet, oldest first. */
    public List<ExecutionEnvironment> environments() {
        synchronized (lock) {
            return List.copyOf(environments.values());
        }
    }

    /**
     * Completes when every environment is warm or Gone: after an answer the runtime still has to come back to
     * {@code /next} before its environment can be reused.
     */
    public CompletableFuture<Void> settled() {
        return CompletableFuture.allOf(environments().stream()
                .map(ExecutionEnvironment::settled).toArray(CompletableFuture[]::new));
    }

    /**
     * Refuses new invocations, shuts every environment down (busy ones after their invocation) and waits until they
     * are all Gone, at most {@code wait}.
     *
     * @throws TimeoutException if some are still there after {@code wait}
     */
    public void close(Duration wait) throws TimeoutException, InterruptedException {
        List<ExecutionEnvironment> all;
        synchronized (lock) {
            closed = true;
            all = List.copyOf(environments.values());
        }
        all.forEach(ExecutionEnvironment::shutdown);
        try {
            CompletableFuture.allOf(all.stream().map(ExecutionEnvironment::gone).toArray(CompletableFuture[]::new))
                    .get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("gone() never fails", e);
        }
    }

    /** {@link #close(Duration)} with the lifecycle's shutdown grace plus time for the sandboxes to be removed. */
    @Override
    public void close() throws TimeoutException, InterruptedException {
        close(context.settings().shutdownGrace().plusSeconds(30));
    }
}
