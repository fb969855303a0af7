package io.kindling.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How much of a stretch of time runnable tasks spent waiting for a CPU, from Linux pressure stall
 * information ({@code /proc/pressure/cpu}, "some" line): 0% means nobody waited, 80% means that for
 * 80% of the time at least one task was ready to run but had no CPU. On a shared 2-core machine this
 * is the honest measure of how much other work disturbed the figures.
 */
final class CpuPressure {
    private final long startMicros;
    private final long startNanos;

    private CpuPressure(long startMicros) {
        this.startMicros = startMicros;
        this.startNanos = System.nanoTime();
    }

    static CpuPressure start() {
        return new CpuPressure(someTotalMicros());
    }

    /** Percent of the time since {@link #start()} with at least one task waiting for a CPU; -1 if unknown. */
    double percentSinceStart() {
        long now = someTotalMicros();
        if (now < 0 || startMicros < 0) {
            return -1;
        }
        double elapsedMicros = (System.nanoTime() - startNanos) / 1e3;
        return 100.0 * (now - startMicros) / elapsedMicros;
    }

    static String describe(double percent) {
        return percent < 0 ? "unknown (no /proc/pressure/cpu)" : String.format(Locale.ROOT, "%.0f%%", percent);
    }

    private static long someTotalMicros() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/pressure/cpu"))) {
                if (line.startsWith("some ")) {
                    for (String field : line.split(" ")) {
                        if (field.startsWith("total=")) {
                            return Long.parseLong(field.substring("total=".length()));
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or PSI disabled
        }
        return -1;
    }
}
