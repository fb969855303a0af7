package io.kindling.worker.sandbox;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pre-created sandbox pool, Kindling's counterpart of Lambda's pool of booted microVMs: slots with everything a
 * sandbox needs that does not depend on the function (network namespace with the Runtime API listener bound in it,
 * an empty cgroup, a scratch directory with the generated /etc files) made ahead, so a cold start only writes the
 * function's limits, mounts its code and starts its runtime.
 *
 * <p>A slot is used once: {@link #take} hands it to one sandbox, whose close removes it like any other sandbox's
 * resources. Nothing of one function can reach another through the pool: a slot has never held a process before it
 * is taken, and it never comes back.
 *
 * <p>Size adapts to demand: the pool keeps as many slots as the cold starts of the last {@link #RATE_WINDOW} would
 * have taken in {@link #COVERED}, at least one and at most {@code max}. A slot holds no process, only kernel objects
 * (a namespace with its loopback device, cgroup directories, one socket, a directory of three small files), so
 * {@code max} bounds its memory. One platform thread fills the pool (making a network namespace moves its thread's
 * namespace for a moment) and shrinks it when demand falls.
 */
final class PrecreatedSandboxes<S> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PrecreatedSandboxes.class);
    /** How far back cold starts count towards the pool's size. */
    static final Duration RATE_WINDOW = Duration.ofSeconds(10);
    /** The pool holds what the recent rate of cold starts takes in this long. */
    static final Duration COVERED = Duration.ofSeconds(1);
    /** After a failure to make a slot, the filler waits this long before trying again. */
    private static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(1);
    /** When the pool is full, how often the filler looks whether demand fell (to shrink it). */
    private static final Duration SHRINK_CHECK = Duration.ofSeconds(5);

    /** Makes one slot; called on the filler thread only. */
    @FunctionalInterface
    interface SlotFactory<S> {
        S make() throws SandboxException;
    }

    private final int max;
    private final SlotFactory<S> factory;
    private final Consumer<S> destroyer;
    private final LongSupplier nanoClock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Guarded by lock; at most {@code max}. */
    private final Deque<S> ready = new ArrayDeque<>();
    /** When the last takes happened (nanos), a ring of fixed size; guarded by lock. */
    private final long[] takes;
    private int takeCount;
    private boolean closed;
    private final Thread filler;

    /**
     * @param destroyer removes a slot never taken; must not throw (it logs)
     * @param nanoClock {@link System#nanoTime()} but in tests
     */
    PrecreatedSandboxes(int max, SlotFactory<S> factory, Consumer<S> destroyer, LongSupplier nanoClock) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1: " + max);
        }
        this.max = max;
        this.factory = factory;
        this.destroyer = destroyer;
        this.nanoClock = nanoClock;
        // Enough history to see a rate that asks for max slots within COVERED, over the whole window.
        this.takes = new long[(int) Math.max(16, max * RATE_WINDOW.toNanos() / COVERED.toNanos())];
        this.filler = Thread.ofPlatform().name("sandbox-pool-filler").daemon(true).unstarted(this::fill);
    }

    PrecreatedSandboxes<S> start() {
        filler.start();
        return this;
    }

    /** A ready slot, if the pool has one; counts as a cold start either way, and wakes the filler. Never blocks on it. */
    Optional<S> take() {
        lock.lock();
        try {
            takes[takeCount++ % takes.length] = nanoClock.getAsLong();
            S slot = ready.pollFirst();
            changed.signal();
            return Optional.ofNullable(slot);
        } finally {
            lock.unlock();
        }
    }

    /** How many slots are ready now. */
    int size() {
        lock.lock();
        try {
            return ready.size();
        } finally {
            lock.unlock();
        }
    }

    /** How many slots the pool aims to hold now; under lock. */
    private int target() {
        long since = nanoClock.getAsLong() - RATE_WINDOW.toNanos();
        int recent = 0;
        for (int i = 0; i < Math.min(takeCount, takes.length); i++) {
            if (takes[i] - since > 0) {
                recent++;
            }
        }
        double perCovered = (double) recent * COVERED.toNanos() / RATE_WINDOW.toNanos();
        return (int) Math.clamp((long) Math.ceil(perCovered), 1, max);
    }

    /** The filler's loop: make slots up to the target, drop extras when it falls, until closed. */
    private void fill() {
        while (true) {
            S extra = null;
            lock.lock();
            try {
                while (!closed && ready.size() == target()) {
                    changed.await(SHRINK_CHECK.toNanos(), TimeUnit.NANOSECONDS);
                }
                if (closed) {
                    return;
                }
                if (ready.size() > target()) {
                    extra = ready.pollLast(); // the newest: the oldest goes first to a cold start anyway
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            if (extra != null) {
                destroyer.accept(extra);
                continue;
            }
            try {
                S made = factory.make();
                lock.lock();
                try {
                    if (closed) {
                        destroyer.accept(made);
                        return;
                    }
                    ready.addLast(made);
                } finally {
                    lock.unlock();
                }
            } catch (SandboxException | RuntimeException e) {
                LOG.warn("the pre-created sandbox pool could not make a slot; cold starts make their own meanwhile", e);
                lock.lock();
                try {
                    if (!closed) {
                        changed.await(RETRY_AFTER_FAILURE.toNanos(), TimeUnit.NANOSECONDS);
                    }
                } catch (InterruptedException interrupted) {
                    return;
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Stops the filler and removes every slot not taken. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            filler.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        while (true) {
            S slot;
            lock.lock();
            try {
                slot = ready.pollFirst();
            } finally {
                lock.unlock();
            }
            if (slot == null) {
                return;
            }
            destroyer.accept(slot);
        }
    }
}
