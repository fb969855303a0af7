package io.kindling.worker.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@link FunctionPool} of the worker, one per function version. A version whose spec changed ($LATEST after an
 * update of its code or configuration) gets a new pool, and the old pool's environments are shut down: Lambda runs
 * new invocations on the new code as soon as the update is done, and the new pool takes over the old one's
 * provisioned concurrency. A pool whose last environment is Gone and that has no provisioned concurrency is dropped,
 * so the map holds no more pools than there are live environments plus versions being invoked or provisioned.
 *
 * <p>Threads: {@link #invoke} and {@link #provision} from any thread; one short lock around the map.
 */
public final class FunctionPools implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FunctionPools.class);

    private final EnvironmentContext context;
    private final Lifecycle lifecycle;
    private final AtomicLong pools = new AtomicLong();
    private final Object lock = new Object();
    /** By {@link FunctionVersionSpec#qualifiedName()}; guarded by {@link #lock}. */
    private final Map<String, FunctionPool> byVersion = new HashMap<>();
    /** Pools replaced or retired and still shutting down; guarded by {@link #lock}. */
    private final List<FunctionPool> retiring = new ArrayList<>();
    private boolean closed;

    /**
     * Told when a pool of a function version comes and goes, e.g. to keep that version's code on disk for as long
     * as environments may run it. {@code closed} is called once per {@code opened}, from any thread.
     */
    public interface Lifecycle {
        Lifecycle NONE = new Lifecycle() {
            @Override
            public void opened(FunctionVersionSpec function) {}

            @Override
            public void closed(FunctionVersionSpec function) {}
        };

        void opened(FunctionVersionSpec function);

        void closed(FunctionVersionSpec function);
    }

    public FunctionPools(EnvironmentContext context) {
        this(context, Lifecycle.NONE);
    }

    public FunctionPools(EnvironmentContext context, Lifecycle lifecycle) {
        this.context = context;
        this.lifecycle = lifecycle;
    }

    public EnvironmentContext context() {
        return context;
    }

    /** Runs one invocation on a warm environment of {@code function}, or a new one; see {@link FunctionPool#invoke}. */
    public CompletableFuture<InvokeOutcome> invoke(FunctionVersionSpec function, InvocationInput input) {
        FunctionPool pool;
        FunctionPool replaced = null;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new EnvironmentUnavailable(
                        EnvironmentUnavailable.Reason.POOL_CLOSED, "the worker is shutting down"));
            }
            pool = byVersion.get(function.qualifiedName());
            if (pool == null || !pool.function().equals(function)) {
                replaced = pool;
                pool = newPool(function);
                byVersion.put(function.qualifiedName(), pool);
            }
        }
        if (replaced != null) {
            replace(replaced, pool);
        }
        return pool.invoke(input);
    }

    /**
     * Keeps {@code count} environments of {@code function} initialized ahead of any invoke (Lambda's provisioned
     * concurrency, for a published version or an alias's version), with
     * {@code AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency}. Invokes take them before any on-demand
     * environment. They count in the worker's memory budget, are never evicted nor retired by the idle timeout, and
     * are replaced when they end (a crash, a timeout, an OOM kill, a failed init: after a failure with backoff).
     * Calling it again adjusts the count; 0 removes them, letting busy ones finish their invocation. The pool stays
     * while provisioned concurrency is asked for; {@link #retireFunction} and {@link #close} end it with the rest.
     *
     * @param listener gets the status at once and on every change, see {@link ProvisionListener}; it replaces the
     *     listener of an earlier call for the same version
     */
    public void provision(FunctionVersionSpec function, int count, ProvisionListener listener) {
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(listener, "listener");
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
        while (true) {
            FunctionPool pool;
            FunctionPool replaced = null;
            synchronized (lock) {
                if (closed) {
                    break;
                }
                pool = byVersion.get(function.qualifiedName());
                if (pool == null && count == 0) {
                    break; // nothing was provisioned
                }
                if (pool == null || (count > 0 && !pool.function().equals(function))) {
                    replaced = pool;
                    pool = newPool(function);
                    byVersion.put(function.qualifiedName(), pool);
                }
            }
            if (replaced != null) {
                retire(replaced);
            }
            if (pool.provision(count, listener)) {
                return;
            }
            // The pool was dropped as empty between the look-up and the call: the next look-up makes a new one.
        }
        listener.changed(count == 0 ? new ProvisionStatus.Ready(0)
                : new ProvisionStatus.Failed(0, count, "the worker is shutting down"));
    }

    /** Retires {@code old} and gives its provisioned concurrency, if any, to {@code successor}. */
    private void replace(FunctionPool old, FunctionPool successor) {
        old.provisioning().ifPresent(p -> successor.provision(p.count(), p.listener()));
        retire(old);
    }

    /** Under {@link #lock}. */
    private FunctionPool newPool(FunctionVersionSpec function) {
        // Sandbox ids become host names (netns, cgroup): short and free of the function's own text.
        FunctionPool pool = new FunctionPool(function, context, "f" + pools.incrementAndGet());
        lifecycle.opened(function);
        pool.onEmpty(() -> {
            boolean dropped;
            synchronized (lock) {
                dropped = byVersion.get(function.qualifiedName()) == pool && pool.dropIfEmpty();
                if (dropped) {
                    byVersion.remove(function.qualifiedName());
                }
            }
            if (dropped) {
                lifecycle.closed(function);
            }
        });
        return pool;
    }

    /**
     * Shuts down every environment of every version of {@code functionName}, provisioned ones included (they are not
     * replaced), e.g. after the function was deleted.
     */
    public void retireFunction(String functionName) {
        List<FunctionPool> gone = new ArrayList<>();
        synchronized (lock) {
            byVersion.values().removeIf(pool -> pool.function().functionName().equals(functionName) && gone.add(pool));
        }
        gone.forEach(this::retire);
    }

    private void retire(FunctionPool pool) {
        synchronized (lock) {
            retiring.add(pool);
        }
        Thread.ofVirtual().name("retire-" + pool.function().qualifiedName()).start(() -> {
            try {
                pool.close();
            } catch (TimeoutException e) {
                log.warn("pool of {} still had environments after its shutdown wait", pool.function().qualifiedName());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                synchronized (lock) {
                    retiring.remove(pool);
                }
                lifecycle.closed(pool.function());
            }
        });
    }

    /** All environments of all pools, for diagnostics and tests. */
    public List<ExecutionEnvironment> environments() {
        List<FunctionPool> all;
        synchronized (lock) {
            all = new ArrayList<>(byVersion.values());
            all.addAll(retiring);
        }
        return all.stream().flatMap(pool -> pool.environments().stream()).toList();
    }

    /** Refuses new invocations and shuts every environment down, waiting at most {@code wait} in all. */
    public void close(Duration wait) throws InterruptedException {
        List<FunctionPool> all;
        List<FunctionPool> active;
        synchronized (lock) {
            closed = true;
            active = new ArrayList<>(byVersion.values());
            all = new ArrayList<>(active);
            all.addAll(retiring); // their retiring thread reports them closed
            byVersion.clear();
        }
        long deadline = System.nanoTime() + wait.toNanos();
        List<Thread> closers = new ArrayList<>();
        for (FunctionPool pool : all) {
            closers.add(Thread.ofVirtual().start(() -> {
                try {
                    pool.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                } catch (TimeoutException e) {
                    log.warn("pool of {} still had environments at shutdown", pool.function().qualifiedName());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    if (active.contains(pool)) {
                        lifecycle.closed(pool.function());
                    }
                }
            }));
        }
        for (Thread closer : closers) {
            closer.join();
        }
    }

    @Override
    public void close() throws InterruptedException {
        close(context.settings().shutdownGrace().plusSeconds(30));
    }
}
