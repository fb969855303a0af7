package io.kindling.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A latency distribution summarised from an HdrHistogram of nanoseconds (3 significant digits).
 *
 * @param count        samples
 * @param p50Ms        median, milliseconds
 * @param p99Ms        99th percentile, milliseconds (with fewer than 100 samples this is the largest)
 * @param maxMs        largest sample, milliseconds
 * @param meanMs       mean, milliseconds
 * @param distribution the percentile curve for charts ({@link Charts#percentiles}), from the smallest sample up
 *                     to the largest, 20 points per nine (90, 99, 99.9 %, …) as far as the samples
 *                     reach; empty for a distribution known only by its summary
 */
record Latency(long count, double p50Ms, double p99Ms, double maxMs, double meanMs, List<Percentile> distribution) {

    /** Points per nine of the percentile curve: 0 → 90 % in 20 steps, 90 → 99 % in 20 more, and so on. */
    private static final int POINTS_PER_NINE = 20;

    /** One point of the curve: {@code percentile} % of the samples took at most {@code ms}. */
    record Percentile(double percentile, double ms) {}

    Latency {
        distribution = List.copyOf(distribution);
    }

    /** A distribution known only by its summary (no curve to chart). */
    Latency(long count, double p50Ms, double p99Ms, double maxMs, double meanMs) {
        this(count, p50Ms, p99Ms, maxMs, meanMs, List.of());
    }

    /** Up to a minute per sample, three significant digits: plenty for round trips and server starts alike. */
    static Histogram newHistogram() {
        return new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
    }

    static Latency of(Histogram nanos) {
        if (nanos.getTotalCount() == 0) {
            throw new IllegalStateException("no samples recorded");
        }
        return new Latency(nanos.getTotalCount(), nanos.getValueAtPercentile(50) / 1e6,
                nanos.getValueAtPercentile(99) / 1e6, nanos.getMaxValue() / 1e6, nanos.getMean() / 1e6, curve(nanos));
    }

    /**
     * The percentile curve as far as {@code count} samples can tell. Of n samples the largest is every percentile above
     * 100 × (1 − 1/n) (100 samples: above the 99th), so the curve ends with it halfway into that last step, at
     * 100 × (1 − 1/2n): even a single sample draws a line, from 0 to 50 %.
     */
    private static List<Percentile> curve(Histogram nanos) {
        List<Percentile> points = new ArrayList<>();
        points.add(new Percentile(0, nanos.getMinValue() / 1e6));
        double nines = Math.log10(2.0 * nanos.getTotalCount());
        for (int step = 1; step < nines * POINTS_PER_NINE; step++) {
            double percentile = 100 * (1 - Math.pow(10, -(double) step / POINTS_PER_NINE));
            points.add(new Percentile(percentile, nanos.getValueAtPercentile(percentile) / 1e6));
        }
        points.add(new Percentile(100 * (1 - 1 / (2.0 * nanos.getTotalCount())), nanos.getMaxValue() / 1e6));
        return points;
    }
}
