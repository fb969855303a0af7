package io.kindling.worker.pool;

import io.kindling.assignment.EnvironmentPool;
import io.kindling.assignment.EnvironmentState;
import io.kindling.worker.runtimeapi.InvocationRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The execution environments of ONE function version: each invocation goes to a warm provisioned one, else to the
 * most recently used warm on-demand one, else to a new on-demand one (a cold start). An environment holds one
 * invocation at a time. On-demand environments retire themselves through the lifecycle's idle timeout and leave the
 * pool when Gone.
 *
 * <p>Provisioned concurrency ({@link #provision}): that many environments are started and initialized ahead of any
 * invoke, kept warm (no idle timeout, never evicted) and kept at the requested count: one that ends for any reason
 * but being de-provisioned or the pool's close is replaced at once, or, after a failure (its init, the memory budget,
 * its sandbox), by a retry with backoff (1 s doubling to 1 min) on the context's timer, so a function whose init
 * keeps failing is not restarted in a tight loop. A busy provisioned environment is simply not available; a
 * de-provisioned busy one finishes its invocation first and takes no other.
 *
 * <p>Every new environment is first admitted by the worker's {@link MemoryBudget}, which may evict other functions'
 * idle on-demand environments or refuse.
 *
 * <p>Threads: {@link #invoke}, {@link #provision} and {@link #close} may be called from any thread; the pool's
 * bookkeeping is under one short lock, and the environment work happens on each environment's own thread. Replacing a
 * provisioned environment happens on the thread of the one that ended; a retry after a failure on a virtual thread
 * the timer starts. The provisioned-concurrency listener is called outside the lock.
 */
public final class FunctionPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FunctionPool.class);
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
    /** The first wait before starting provisioned environments again after a failure; it doubles up to the max. */
    static final Duration FIRST_PROVISION_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_PROVISION_RETRY = Duration.ofMinutes(1);

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
    /** Set when whoever keeps pools dropped this one as empty: it must not take provisioned concurrency any more. */
    private boolean dropped;
    /** Guarded by {@link #lock}. */
    private Runnable onEmpty;

    // ---- provisioned concurrency; all guarded by lock ----
    /** How many provisioned environments were asked for; 0 when none. */
    private int provisionedRequested;
    private ProvisionListener provisionListener = ProvisionListener.NONE;
    /** The provisioned environments counting toward the request: not Gone, not de-provisioned. */
    private final Set<String> provisioned = new HashSet<>();
    /** Environments the pool asked to shut down (de-provisioned): never given an invocation again. */
    private final Set<String> leaving = new HashSet<>();
    /** Why the last attempt to start a provisioned environment failed; null once all are ready or on a new request. */
    private String provisionFailure;
    /** The pending retry after a failure, or null; while it is pending no provisioned environment is started. */
    private ScheduledFuture<?> provisionRetry;
    /** Bumped whenever a retry is armed or cancelled, so a retry that already fired when it was cancelled does nothing. */
    private long retryGeneration;
    private Duration nextRetryDelay = FIRST_PROVISION_RETRY;
    /** The newest status not yet given to the listener, and whether a thread is giving one now (in order, no overlap). */
    private ProvisionStatus unsentStatus;
    private ProvisionListener unsentTo;
    private ProvisionStatus lastStatus;
    private boolean publishing;

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
        long assignmentStarted = System.nanoTime();
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
                cold = ExecutionEnvironment.create(id, function, context, request, assignmentStarted, this::remove);
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
        List<EnvironmentPool.Snapshot<ExecutionEnvironment>> warmProvisioned = new ArrayList<>();
        List<EnvironmentPool.Snapshot<ExecutionEnvironment>> warmOnDemand = new ArrayList<>();
        for (ExecutionEnvironment environment : environments.values()) {
            if (leased.contains(environment.id()) || leaving.contains(environment.id())) {
                continue;
            }
            EnvironmentState state = environment.state();
            Instant lastUsed = switch (state) {
                case EnvironmentState.Idle idle -> idle.since();
                case EnvironmentState.Frozen frozen -> frozen.idleSince();
                default -> null;
            };
            if (lastUsed != null) {
                (provisioned.contains(environment.id()) ? warmProvisioned : warmOnDemand).add(
                        new EnvironmentPool.Snapshot<>(environment, function.qualifiedName(), function.memoryBytes(),
                                lastUsed, state.kind()));
            }
        }
        return EnvironmentPool.pickIdle(warmProvisioned, warmOnDemand);
    }

    /**
     * An environment that answered its invocation, whose runtime has not asked for the next yet, and that no other
     * invocation is waiting for: one waiter per returning environment, so a burst does not queue behind one runtime.
     * Under the lock.
     */
    private Optional<ExecutionEnvironment> pickReturning() {
        return environments.values().stream()
                .filter(e -> !leased.contains(e.id()) && !awaitedReturning.contains(e.id()) && !leaving.contains(e.id())
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
            leaving.remove(environment.id());
            // De-provisioned ones and those of a closed pool are not in the set: they are not replaced.
            if (provisioned.remove(environment.id()) && !closed) {
                environment.initFailure().ifPresent(this::provisionFailedLocked);
                reconcileLocked();
                queueStatusLocked();
            }
            whenEmpty = isEmptyLocked() ? onEmpty : null;
        }
        publishStatus();
        if (whenEmpty != null) {
            whenEmpty.run();
        }
    }

    /** True when the pool holds no environment (all Gone or none started) and no provisioned concurrency. */
    public boolean isEmpty() {
        synchronized (lock) {
            return isEmptyLocked();
        }
    }

    private boolean isEmptyLocked() {
        return environments.isEmpty() && provisionedRequested == 0;
    }

    /**
     * Marks the pool dropped if it {@link #isEmpty() is empty}, atomically with the check, so a concurrent
     * {@link #provision} cannot land in a pool nobody keeps any more: it returns false instead.
     */
    boolean dropIfEmpty() {
        synchronized (lock) {
            dropped = isEmptyLocked();
            return dropped;
        }
    }

    /**
     * Called (on an environment's thread, or the caller of {@link #provision}) each time the pool becomes
     * {@link #isEmpty() empty}, so whoever keeps pools can drop this one; a pool without environments or provisioned
     * concurrency holds nothing worth keeping.
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
     * Keeps {@code count} provisioned environments of this function version initialized ahead of any invoke; calling
     * it again adjusts the count, and 0 removes them (busy ones finish their invocation first). {@code listener}
     * replaces the previous one and gets the status at once, then every change (see {@link ProvisionListener}).
     *
     * @return false if the pool was closed or dropped as empty and takes no provisioned concurrency: ask for a new
     *     pool ({@link FunctionPools#provision} does)
     */
    public boolean provision(int count, ProvisionListener listener) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
        Objects.requireNonNull(listener, "listener");
        Runnable whenEmpty;
        synchronized (lock) {
            if (closed || dropped) {
                return false;
            }
            provisionedRequested = count;
            provisionListener = listener;
            lastStatus = null; // a new listener hears the status even if it did not change
            // A new request starts afresh: no failure to report yet, no backoff to sit out.
            provisionFailure = null;
            nextRetryDelay = FIRST_PROVISION_RETRY;
            cancelRetryLocked();
            reconcileLocked();
            queueStatusLocked();
            whenEmpty = isEmptyLocked() ? onEmpty : null;
        }
        publishStatus();
        if (whenEmpty != null) {
            whenEmpty.run();
        }
        return true;
    }

    /** The provisioned concurrency asked for, if any, e.g. to carry it over to the pool that replaces this one. */
    Optional<Provisioning> provisioning() {
        synchronized (lock) {
            return provisionedRequested == 0 ? Optional.empty()
                    : Optional.of(new Provisioning(provisionedRequested, provisionListener));
        }
    }

    record Provisioning(int count, ProvisionListener listener) {}

    /**
     * Brings the provisioned environments to the requested count: de-provisions the excess (those still in init
     * first, busy ones last, since they must finish their invocation) and starts the missing ones, unless a retry
     * after a failure is pending. Under the lock; starting only queues work on the new environment's thread.
     */
    private void reconcileLocked() {
        int excess = provisioned.size() - provisionedRequested;
        if (excess > 0) {
            List<ExecutionEnvironment> byCostToRemove = provisioned.stream().map(environments::get)
                    .sorted(Comparator.comparingInt(e -> costToRemove(e.state()))).toList();
            for (ExecutionEnvironment environment : byCostToRemove.subList(0, excess)) {
                provisioned.remove(environment.id());
                leaving.add(environment.id());
                environment.shutdown();
            }
        }
        while (provisioned.size() < provisionedRequested && provisionRetry == null) {
            if (!startProvisionedLocked()) {
                break;
            }
        }
    }

    private static int costToRemove(EnvironmentState state) {
        return switch (state.kind()) {
            case CREATING, INITIALIZING, DRAINING, GONE -> 0;
            case IDLE, FROZEN -> 1;
            case BUSY, AWAITING_NEXT -> 2;
        };
    }

    /**
     * Under the lock. A refusal of the memory budget is a failure with its reason, not a silent shortfall.
     *
     * @return false if it was refused
     */
    private boolean startProvisionedLocked() {
        String id = idPrefix + "-" + started.incrementAndGet();
        ExecutionEnvironment environment = ExecutionEnvironment.createProvisioned(id, function, context, this::remove);
        try {
            context.memory().admit(environment, function.memoryBytes());
        } catch (EnvironmentUnavailable full) {
            provisionFailedLocked("the worker's memory budget is exhausted: " + full.getMessage());
            return false;
        }
        environments.put(id, environment);
        provisioned.add(id);
        environment.initialize();
        // Warm (its init is done) or Gone; Gone is handled by remove.
        environment.settled().thenRun(() -> {
            synchronized (lock) {
                if (provisioned.contains(id) && environment.state().kind().acceptsInvocations()) {
                    nextRetryDelay = FIRST_PROVISION_RETRY;
                }
                queueStatusLocked();
            }
            publishStatus();
        });
        return true;
    }

    /** Records the failure for the status and arms the retry, whose delay doubles per failed round. Under the lock. */
    private void provisionFailedLocked(String reason) {
        provisionFailure = reason;
        if (provisionRetry == null && !closed) {
            long generation = ++retryGeneration;
            provisionRetry = context.timers().schedule(
                    // The timer thread is shared: starting environments happens on a thread of its own.
                    () -> Thread.ofVirtual().name("provision-" + function.qualifiedName())
                            .start(() -> retryProvisioning(generation)),
                    nextRetryDelay.toNanos(), TimeUnit.NANOSECONDS);
            nextRetryDelay = nextRetryDelay.multipliedBy(2).compareTo(MAX_PROVISION_RETRY) > 0
                    ? MAX_PROVISION_RETRY : nextRetryDelay.multipliedBy(2);
        }
        queueStatusLocked();
    }

    private void cancelRetryLocked() {
        retryGeneration++;
        if (provisionRetry != null) {
            provisionRetry.cancel(false);
            provisionRetry = null;
        }
    }

    private void retryProvisioning(long generation) {
        synchronized (lock) {
            if (generation != retryGeneration || closed) {
                return;
            }
            provisionRetry = null;
            reconcileLocked();
            queueStatusLocked();
        }
        publishStatus();
    }

    /** Computes the status and leaves it for {@link #publishStatus} if it changed. Under the lock. */
    private void queueStatusLocked() {
        int ready = 0;
        for (String id : provisioned) {
            ready += switch (environments.get(id).state().kind()) {
                case BUSY, AWAITING_NEXT, IDLE, FROZEN -> 1;
                case CREATING, INITIALIZING, DRAINING, GONE -> 0;
            };
        }
        ProvisionStatus status;
        if (ready >= provisionedRequested) {
            provisionFailure = null;
            status = new ProvisionStatus.Ready(provisionedRequested);
        } else if (provisionFailure != null) {
            status = new ProvisionStatus.Failed(ready, provisionedRequested, provisionFailure);
        } else {
            status = new ProvisionStatus.InProgress(ready, provisionedRequested);
        }
        if (!status.equals(lastStatus)) {
            lastStatus = status;
            unsentStatus = status;
            unsentTo = provisionListener;
        }
    }

    /** Gives the newest status to the listener, outside the lock; one thread at a time, so calls never overlap. */
    private void publishStatus() {
        while (true) {
            ProvisionStatus status;
            ProvisionListener to;
            synchronized (lock) {
                if (publishing || unsentStatus == null) {
                    return;
                }
                status = unsentStatus;
                to = unsentTo;
                unsentStatus = null;
                publishing = true;
            }
            try {
                to.changed(status);
            } catch (RuntimeException e) {
                log.warn("provisioned concurrency listener of {} failed on {}", function.qualifiedName(), status, e);
            } finally {
                synchronized (lock) {
                    publishing = false;
                }
            }
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
            // Provisioned environments of a closed pool are shut down like the rest and not replaced.
            provisioned.clear();
            cancelRetryLocked();
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
