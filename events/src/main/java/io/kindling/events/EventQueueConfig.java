package io.kindling.events;

import java.time.Duration;
import java.util.Objects;

/**
 * The queue's bounds and delays.
 *
 * @param maxQueuedEvents events stored at once (queued or in flight); beyond it enqueue fails with
 *     {@link QueueFullException} (default 100,000)
 * @param parallelism deliveries in flight at once, across all functions (default 64)
 * @param retryBaseDelay function-error retry n waits n times this (Lambda: about 1 min, then 2 min; default 60 s)
 * @param throttleBaseDelay the first wait after a throttle or service error, doubled on each further one (default 1 s)
 * @param throttleMaxDelay the longest wait after a throttle or service error (default 5 min)
 * @param closeGrace how long {@link EventQueue#close()} waits for deliveries in flight (default 30 s)
 * @param maxDeadLettersPerFunction dead letters kept per function, the oldest dropped beyond it (default 10,000)
 * @param maxBatch operations committed in one SQLite transaction at most (group commit; default 512)
 */
public record EventQueueConfig(int maxQueuedEvents, int parallelism, Duration retryBaseDelay,
                               Duration throttleBaseDelay, Duration throttleMaxDelay, Duration closeGrace,
                               int maxDeadLettersPerFunction, int maxBatch) {
    public EventQueueConfig {
        if (maxQueuedEvents < 1 || parallelism < 1 || maxDeadLettersPerFunction < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        for (Duration d : new Duration[] {retryBaseDelay, throttleBaseDelay, throttleMaxDelay, closeGrace}) {
            Objects.requireNonNull(d, "delay");
            if (d.isNegative()) {
                throw new IllegalArgumentException("delays must not be negative: " + d);
            }
        }
        if (throttleMaxDelay.compareTo(throttleBaseDelay) < 0) {
            throw new IllegalArgumentException("throttleMaxDelay must be at least throttleBaseDelay");
        }
    }

    public static EventQueueConfig defaults() {
        return new EventQueueConfig(100_000, 64, Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofMinutes(5),
                Duration.ofSeconds(30), 10_000, 512);
    }

    public EventQueueConfig withMaxQueuedEvents(int n) {
        return new EventQueueConfig(n, parallelism, retryBaseDelay, throttleBaseDelay, throttleMaxDelay, closeGrace,
                maxDeadLettersPerFunction, maxBatch);
    }

    public EventQueueConfig withParallelism(int n) {
        return new EventQueueConfig(maxQueuedEvents, n, retryBaseDelay, throttleBaseDelay, throttleMaxDelay, closeGrace,
                maxDeadLettersPerFunction, maxBatch);
    }

    public EventQueueConfig withDelays(Duration retryBase, Duration throttleBase, Duration throttleMax) {
        return new EventQueueConfig(maxQueuedEvents, parallelism, retryBase, throttleBase, throttleMax, closeGrace,
                maxDeadLettersPerFunction, maxBatch);
    }

    public EventQueueConfig withCloseGrace(Duration grace) {
        return new EventQueueConfig(maxQueuedEvents, parallelism, retryBaseDelay, throttleBaseDelay, throttleMaxDelay,
                grace, maxDeadLettersPerFunction, maxBatch);
    }

    public EventQueueConfig withMaxDeadLettersPerFunction(int n) {
        return new EventQueueConfig(maxQueuedEvents, parallelism, retryBaseDelay, throttleBaseDelay, throttleMaxDelay,
                closeGrace, n, maxBatch);
    }

    /** The wait after the k-th consecutive refusal (1-based): base × 2^(k-1), capped. */
    Duration throttleDelay(int refusals) {
        int shift = Math.min(Math.max(refusals - 1, 0), 30);
        Duration d = throttleBaseDelay.multipliedBy(1L << shift);
        return d.compareTo(throttleMaxDelay) > 0 || d.isNegative() ? throttleMaxDelay : d;
    }

    /** The wait before function-error retry n (1-based). */
    Duration retryDelay(int retry) {
        return retryBaseDelay.multipliedBy(retry);
    }
}
