package io.kindling.counting;

import java.time.Duration;

/**
 * How fast one function may add concurrency: {@code step} more in-flight invocations than its recent peak every
 * {@code period} (Lambda: 1,000 every 10 seconds).
 */
public record ScalingRate(int step, Duration period) {
    public static final ScalingRate LAMBDA = new ScalingRate(1000, Duration.ofSeconds(10));

    public ScalingRate {
        if (step < 1) {
            throw new IllegalArgumentException("scaling step must be at least 1, got " + step);
        }
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("scaling period must be positive, got " + period);
        }
    }
}
