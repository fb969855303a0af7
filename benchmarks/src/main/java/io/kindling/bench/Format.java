package io.kindling.bench;

import java.util.Locale;

/** How figures are written in the Markdown table: three significant digits, unit in every cell. */
final class Format {
    private Format() {}

    static String millis(double ms) {
        if (ms < 0.1) {
            return String.format(Locale.ROOT, "%.1f µs", ms * 1000);
        } else if (ms < 1) {
            return String.format(Locale.ROOT, "%.0f µs", ms * 1000);
        } else if (ms < 10) {
            return String.format(Locale.ROOT, "%.2f ms", ms);
        } else if (ms < 100) {
            return String.format(Locale.ROOT, "%.1f ms", ms);
        } else if (ms < 1000) {
            return String.format(Locale.ROOT, "%.0f ms", ms);
        }
        return String.format(Locale.ROOT, "%.2f s", ms / 1000);
    }

    static String ratio(double ratio) {
        if (ratio < 10) {
            return String.format(Locale.ROOT, "%.2f×", ratio);
        } else if (ratio < 100) {
            return String.format(Locale.ROOT, "%.1f×", ratio);
        }
        return String.format(Locale.ROOT, "%.0f×", ratio);
    }

    static String perSecond(double rate) {
        return String.format(Locale.ROOT, "%,.0f/s", rate);
    }

    static String megabytesPerSecond(double rate) {
        return String.format(Locale.ROOT, "%,.0f MB/s", rate);
    }

    static String bytes(long bytes) {
        if (bytes < 10_000) {
            return String.format(Locale.ROOT, "%,d B", bytes);
        } else if (bytes < 10_000_000) {
            return String.format(Locale.ROOT, "%.1f KB", bytes / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
