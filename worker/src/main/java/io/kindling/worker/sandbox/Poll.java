package io.kindling.worker.sandbox;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits for a kernel state that offers no notification we can use from Java: a cgroup reaching
 * FROZEN or becoming empty. Polls with a short, growing pause (50 µs up to 5 ms), so a state that
 * settles in microseconds is seen in microseconds and a slow one costs little CPU. Parking does not
 * pin a virtual thread.
 */
final class Poll {
    /** A state to look at; may read files. */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws IOException;
    }

    private static final long FIRST_PAUSE_NANOS = 50_000;
    private static final long LONGEST_PAUSE_NANOS = 5_000_000;

    private Poll() {}

    /** True once the condition holds; false if it still does not when the timeout has passed. */
    static boolean until(Condition condition, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = FIRST_PAUSE_NANOS;
        while (true) {
            if (condition.holds()) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            LockSupport.parkNanos(Math.min(pause, left));
            pause = Math.min(pause * 2, LONGEST_PAUSE_NANOS);
        }
    }
}
