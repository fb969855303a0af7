package io.kindling.bench;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A latency distribution summarised from an HdrHistogram of nanoseconds (3 significant digits).
 *
 * @param count     samples
 * @param p50Ms     median, milliseconds
 * @param p99Ms     99th percentile, milliseconds (with fewer than 100 samples this is the largest)
 * @param maxMs     largest sample, milliseconds
 * @param meanMs    mean, milliseconds
 */
record Latency(long count, double p50Ms, double p99Ms, double maxMs, double meanMs) {

    /** Up to a minute per sample, three significant digits: plenty for round trips and server starts alike. */
    static Histogram newHistogram() {
        return new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
    }

    static Latency of(Histogram nanos) {
        if (nanos.getTotalCount() == 0) {
            throw new IllegalStateException("no samples recorded");
        }
        return new Latency(nanos.getTotalCount(), nanos.getValueAtPercentile(50) / 1e6,
                nanos.getValueAtPercentile(99) / 1e6, nanos.getMaxValue() / 1e6, nanos.getMean() / 1e6);
    }
}
