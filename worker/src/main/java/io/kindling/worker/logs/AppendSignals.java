package io.kindling.worker.logs;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Futures of readers waiting for a function's next append. An entry exists only while its reader waits: it leaves
 * on append, on timeout or when the reader cancels, so the map holds at most one future per waiting reader.
 */
final class AppendSignals {
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}. */
    private final Map<String, Set<CompletableFuture<Boolean>>> waiting = new HashMap<>();

    /**
     * A future completed with true by the function's next {@link #signal}, or with false after {@code timeout}.
     * Register before checking for data, so an append between the check and the wait is not missed.
     */
    CompletableFuture<Boolean> register(String functionName, Duration timeout) {
        CompletableFuture<Boolean> appended = new CompletableFuture<>();
        lock.lock();
        try {
            waiting.computeIfAbsent(functionName, name -> new LinkedHashSet<>()).add(appended);
        } finally {
            lock.unlock();
        }
        // The JDK's one delayer thread completes it; nothing polls.
        appended.completeOnTimeout(false, timeout.toNanos(), TimeUnit.NANOSECONDS);
        appended.whenComplete((result, failure) -> forget(functionName, appended));
        return appended;
    }

    /** Wakes every reader waiting on {@code functionName}. */
    void signal(String functionName) {
        Set<CompletableFuture<Boolean>> woken;
        lock.lock();
        try {
            woken = waiting.remove(functionName);
        } finally {
            lock.unlock();
        }
        if (woken != null) {
            woken.forEach(future -> future.complete(true));
        }
    }

    private void forget(String functionName, CompletableFuture<Boolean> future) {
        lock.lock();
        try {
            Set<CompletableFuture<Boolean>> futures = waiting.get(functionName);
            if (futures != null && futures.remove(future) && futures.isEmpty()) {
                waiting.remove(functionName);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Readers waiting now, for tests. */
    int waiting() {
        lock.lock();
        try {
            return waiting.values().stream().mapToInt(Set::size).sum();
        } finally {
            lock.unlock();
        }
    }
}
