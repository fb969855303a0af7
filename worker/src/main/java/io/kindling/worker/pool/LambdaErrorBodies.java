package io.kindling.worker.pool;

import io.kindling.assignment.FunctionError;
import io.kindling.assignment.InvocationId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/** The JSON bodies Lambda itself writes for errors the runtime could not report. */
final class LambdaErrorBodies {
    private LambdaErrorBodies() {}

    /**
     * The caller's body for {@code error}. An init error's body is the runtime's own report, so it is not built here.
     */
    static byte[] of(FunctionError error, InvocationId invocation, Duration timeout) {
        String message = switch (error) {
            case FunctionError.Timeout _ -> "RequestId: " + invocation + " Error: Task timed out after "
                    + String.format(Locale.ROOT, "%.2f", timeout.toMillis() / 1000.0) + " seconds";
            case FunctionError.RuntimeExit exit -> "RequestId: " + invocation
                    + " Error: Runtime exited with error: " + exitDescription(exit.exitCode());
            case FunctionError.OutOfMemory _ -> "RequestId: " + invocation
                    + " Error: Runtime exited with error: signal: killed";
            case FunctionError.InvalidEntrypoint entrypoint -> "RequestId: " + invocation + " Error: "
                    + entrypoint.message();
            case FunctionError.InitError init -> "RequestId: " + invocation + " Error: " + init.errorType();
        };
        return json(error.errorType(), message);
    }

    /** Lambda words a signal death as Go's os/exec does, since its init is written in Go. */
    private static String exitDescription(int exitCode) {
        return exitCode > 128 ? "signal: " + signalName(exitCode - 128) : "exit status " + exitCode;
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 9 -> "killed";
            case 15 -> "terminated";
            case 6 -> "aborted";
            case 11 -> "segmentation fault";
            default -> "signal " + signal;
        };
    }

    static byte[] json(String errorType, String errorMessage) {
        return ("{\"errorType\":" + quote(errorType) + ",\"errorMessage\":" + quote(errorMessage) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
