package io.kindling.counting;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Lambda's concurrency model on one node: every running invocation holds a {@link Lease}, and a lease is refused at
 * once, never queued, when it would pass a limit.
 *
 * <ul>
 *   <li>A function with reserved concurrency R runs at most R at once, from its own reservation.
 *   <li>A function without a reservation first uses its provisioned concurrency P (its own), then the shared
 *       unreserved pool: the account limit minus every reservation minus the provisioned concurrency of functions
 *       without a reservation.
 *   <li>A function's in-flight count may rise above its recent peak by at most {@link ScalingRate#step()} per
 *       {@link ScalingRate#period()}; the peak falls back to the current count once a whole period passes without
 *       scaling.
 * </ul>
 *
 * <p>One short lock guards everything; the state per function is a few ints, kept only while the function has
 * invocations in flight or settings, so it is bounded by the registry's functions.
 */
public final class ConcurrencyCounter {
    private final int accountLimit;
    private final ScalingRate scaling;
    private final LongSupplier nanoTime;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private final Map<String, FunctionCount> functions = new HashMap<>();
    /** Sum of reservations; guarded by {@link #lock}. */
    private int reservedTotal;
    /** Provisioned concurrency of functions without a reservation; guarded by {@link #lock}. */
    private int provisionedUnreservedTotal;
    /** Shared-pool units in use; guarded by {@link #lock}. */
    private int sharedInUse;

    public ConcurrencyCounter(int accountLimit, ScalingRate scaling) {
        this(accountLimit, scaling, System::nanoTime);
    }

    ConcurrencyCounter(int accountLimit, ScalingRate scaling, LongSupplier nanoTime) {
        if (accountLimit < 1) {
            throw new IllegalArgumentException("account concurrency limit must be at least 1, got " + accountLimit);
        }
        this.accountLimit = accountLimit;
        this.scaling = scaling;
        this.nanoTime = nanoTime;
    }

    public int accountLimit() {
        return accountLimit;
    }

    /**
     * Takes one unit of the function's concurrency.
     *
     * @throws Throttled when a limit would be passed; nothing was taken
     */
    public Lease acquire(String function) throws Throttled {
        synchronized (lock) {
            FunctionCount count = functions.computeIfAbsent(function, f -> new FunctionCount(nanoTime.getAsLong(),
                    scaling.step()));
            try {
                admit(function, count);
            } catch (Throttled t) {
                dropIfUnused(function, count);
                throw t;
            }
            count.inFlight++;
            rebalanceShared(count);
        }
        return new FunctionLease(function);
    }

    private void admit(String function, FunctionCount count) throws Throttled {
        if (count.reserved.isPresent()) {
            int reserved = count.reserved.getAsInt();
            if (count.inFlight >= reserved) {
                throw new Throttled(Throttled.Reason.ReservedFunctionConcurrentInvocationLimitExceeded, reserved == 0,
                        "Rate Exceeded. Function " + function + " is using all of its reserved concurrency ("
                                + reserved + ").");
            }
        } else if (count.inFlight >= count.provisioned && sharedInUse >= unreserved()) {
            throw new Throttled(Throttled.Reason.ConcurrentInvocationLimitExceeded, false,
                    "Rate Exceeded. The account's unreserved concurrency (" + unreserved() + " of "
                            + accountLimit + ") is in use.");
        }
        refill(count);
        if (count.inFlight >= count.peak) {
            if (count.scalingTokens < 1) {
                throw new Throttled(Throttled.Reason.FunctionInvocationRateLimitExceeded, false, "Rate Exceeded. "
                        + "Function " + function + " may add at most " + scaling.step() + " concurrent invocations "
                        + "every " + scaling.period().toSeconds() + " s.");
            }
            count.scalingTokens--;
            count.peak = count.inFlight + 1;
        }
    }

    /** Tokens come back continuously; a full bucket means the function did not scale for a whole period. */
    private void refill(FunctionCount count) {
        long now = nanoTime.getAsLong();
        long elapsed = now - count.refilledAt;
        long periodNanos = scaling.period().toNanos();
        double added = (double) elapsed * scaling.step() / periodNanos;
        count.scalingTokens = Math.min(scaling.step(), count.scalingTokens + added);
        count.refilledAt = now;
        if (count.scalingTokens >= scaling.step()) {
            count.peak = count.inFlight;
        }
    }

    private void release(String function) {
        synchronized (lock) {
            FunctionCount count = functions.get(function);
            if (count == null || count.inFlight == 0) {
                throw new IllegalStateException("a lease of " + function + " was returned that was never taken");
            }
            count.inFlight--;
            rebalanceShared(count);
            dropIfUnused(function, count);
        }
    }

    /**
     * Sets or clears the function's reserved concurrency. Invocations in flight keep running; new ones see the new
     * limit.
     */
    public void reserve(String function, OptionalInt reserved) {
        synchronized (lock) {
            FunctionCount count = functions.computeIfAbsent(function, f -> new FunctionCount(nanoTime.getAsLong(),
                    scaling.step()));
            untotal(count);
            count.reserved = reserved;
            total(count);
            rebalanceShared(count);
            dropIfUnused(function, count);
        }
    }

    /** Sets the function's provisioned concurrency (all its versions and aliases together). */
    public void provision(String function, int provisioned) {
        if (provisioned < 0) {
            throw new IllegalArgumentException("provisioned concurrency cannot be negative: " + provisioned);
        }
        synchronized (lock) {
            FunctionCount count = functions.computeIfAbsent(function, f -> new FunctionCount(nanoTime.getAsLong(),
                    scaling.step()));
            untotal(count);
            count.provisioned = provisioned;
            total(count);
            rebalanceShared(count);
            dropIfUnused(function, count);
        }
    }

    /** The function is deleted: its settings go; leases still out are returned normally. */
    public void forget(String function) {
        reserve(function, OptionalInt.empty());
        provision(function, 0);
    }

    public int inFlight(String function) {
        synchronized (lock) {
            FunctionCount count = functions.get(function);
            return count == null ? 0 : count.inFlight;
        }
    }

    /** Concurrency no reservation or provisioned allocation holds: what functions without a reservation share. */
    public int unreservedLimit() {
        synchronized (lock) {
            return unreserved();
        }
    }

    private int unreserved() {
        return Math.max(0, accountLimit - reservedTotal - provisionedUnreservedTotal);
    }

    private void untotal(FunctionCount count) {
        if (count.reserved.isPresent()) {
            reservedTotal -= count.reserved.getAsInt();
        } else {
            provisionedUnreservedTotal -= count.provisioned;
        }
    }

    private void total(FunctionCount count) {
        if (count.reserved.isPresent()) {
            reservedTotal += count.reserved.getAsInt();
        } else {
            provisionedUnreservedTotal += count.provisioned;
        }
    }

    /** Keeps the invariant: a function without a reservation holds max(0, inFlight − provisioned) shared units. */
    private void rebalanceShared(FunctionCount count) {
        int shared = count.reserved.isPresent() ? 0 : Math.max(0, count.inFlight - count.provisioned);
        sharedInUse += shared - count.sharedHeld;
        count.sharedHeld = shared;
    }

    private void dropIfUnused(String function, FunctionCount count) {
        if (count.inFlight == 0 && count.reserved.isEmpty() && count.provisioned == 0) {
            functions.remove(function);
        }
    }

    private static final class FunctionCount {
        int inFlight;
        OptionalInt reserved = OptionalInt.empty();
        int provisioned;
        int sharedHeld;
        /** The in-flight level reached recently; growing past it costs scaling tokens. */
        int peak;
        double scalingTokens;
        long refilledAt;

        FunctionCount(long now, int step) {
            this.refilledAt = now;
            this.scalingTokens = step;
        }
    }

    private final class FunctionLease implements Lease {
        private final String function;
        private final AtomicBoolean returned = new AtomicBoolean();

        FunctionLease(String function) {
            this.function = function;
        }

        @Override
        public String function() {
            return function;
        }

        @Override
        public void close() {
            if (returned.compareAndSet(false, true)) {
                release(function);
            }
        }
    }
}
