package io.kindling.worker.logs;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * The lines Lambda itself writes into a function's log, word for word. Fields of START are separated by spaces,
 * those of REPORT by tabs; a successful REPORT ends with a tab, one with a {@code Status} does not (as captured from
 * CloudWatch).
 */
public final class PlatformLines {
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private PlatformLines() {}

    /** {@code START RequestId: <id> Version: <version>}. */
    public static String start(String requestId, String version) {
        return "START RequestId: " + requestId + " Version: " + version;
    }

    /** {@code END RequestId: <id>}. */
    public static String end(String requestId) {
        return "END RequestId: " + requestId;
    }

    /**
     * {@code REPORT RequestId: <id>\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used:
     * 34 MB\t}, then {@code Init Duration: 56.78 ms\t} on a cold start, then for a failure {@code Status: timeout} or
     * {@code Status: error\tError Type: <type>} in place of the last tab.
     */
    public static String report(String requestId, Report report) {
        StringBuilder line = new StringBuilder(192)
                .append("REPORT RequestId: ").append(requestId)
                .append("\tDuration: ").append(milliseconds(report.duration())).append(" ms")
                .append("\tBilled Duration: ").append(report.billedMillis()).append(" ms")
                .append("\tMemory Size: ").append(report.memorySizeMb()).append(" MB")
                .append("\tMax Memory Used: ").append(report.maxMemoryUsedMb()).append(" MB");
        report.initDuration().ifPresent(init -> line.append("\tInit Duration: ").append(milliseconds(init)).append(" ms"));
        switch (report.status()) {
            case Report.Status.Success _ -> line.append('\t');
            case Report.Status.Timeout _ -> line.append("\tStatus: timeout");
            case Report.Status.Error error -> line.append("\tStatus: error\tError Type: ").append(error.errorType());
        }
        return line.toString();
    }

    /**
     * {@code 2024-01-31T12:00:03.004Z <id> Task timed out after 3.00 seconds}: what Lambda logged for a timeout before
     * the REPORT line got its {@code Status: timeout}, and still the caller's error message.
     */
    public static String taskTimedOut(Instant at, String requestId, Duration timeout) {
        return TIMESTAMP.format(at) + " " + requestId + " Task timed out after " + seconds(timeout) + " seconds";
    }

    /**
     * {@code RequestId: <id> Error: Runtime exited with error: exit status 1\nRuntime.ExitError}, one event of two
     * lines, as Lambda logs a runtime that died during an invocation.
     *
     * @param exitDescription as Go's os/exec words it: {@code exit status 1}, {@code signal: killed}
     */
    public static String runtimeExited(String requestId, String exitDescription, String errorType) {
        return "RequestId: " + requestId + " Error: Runtime exited with error: " + exitDescription + "\n" + errorType;
    }

    /** {@code INIT_START Runtime Version: <version>\tRuntime Version ARN: <arn>}, the first line of a cold start. */
    public static String initStart(String runtimeVersion, String runtimeVersionArn) {
        Objects.requireNonNull(runtimeVersion, "runtimeVersion");
        Objects.requireNonNull(runtimeVersionArn, "runtimeVersionArn");
        return "INIT_START Runtime Version: " + runtimeVersion + "\tRuntime Version ARN: " + runtimeVersionArn;
    }

    /** Two decimals, half up, from the exact nanoseconds (no binary floating point in between). */
    static String milliseconds(Duration duration) {
        return BigDecimal.valueOf(duration.toNanos(), 6).setScale(2, RoundingMode.HALF_UP).toPlainString();
    }

    private static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toNanos(), 9).setScale(2, RoundingMode.HALF_UP).toPlainString();
    }
}
