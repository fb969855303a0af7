package io.kindling.worker.pool;

import io.kindling.assignment.FunctionError;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a provisioned environment's init failed, worded for a person reading the provisioned-concurrency status: no
 * caller got the error body, so the reason has to carry the runtime's error type and message itself.
 */
final class InitFailures {
    /** A reason is a status line, not a log: a runtime's message beyond this is cut. */
    static final int MAX_MESSAGE_CHARS = 512;
    private static final Pattern ERROR_MESSAGE = Pattern.compile("\"errorMessage\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private InitFailures() {}

    /**
     * @param initErrorBody what the runtime posted to {@code /init/error}, or null if it posted nothing
     * @param exit how the runtime's process ended, e.g. {@code exit status 1}, for an exit during init
     */
    static String describe(FunctionError error, byte[] initErrorBody, String exit, int memoryMb, Duration initTimeout) {
        return "the function's init failed: " + switch (error) {
            case FunctionError.InitError init -> init.errorType()
                    + (initErrorBody == null ? "" : ": " + errorMessage(initErrorBody));
            case FunctionError.InvalidEntrypoint entrypoint -> error.errorType() + ": " + entrypoint.message();
            case FunctionError.RuntimeExit _ -> error.errorType() + ": the runtime exited during init (" + exit + ")";
            case FunctionError.OutOfMemory _ -> error.errorType() + ": init ran out of the function's " + memoryMb
                    + " MB";
            case FunctionError.Timeout _ -> error.errorType() + ": init did not finish within "
                    + initTimeout.toSeconds() + " seconds";
        };
    }

    /** The body's {@code errorMessage} if it is the usual JSON report, else the body itself; cut to a status line. */
    static String errorMessage(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        Matcher m = ERROR_MESSAGE.matcher(text);
        String message = m.find() ? unescape(m.group(1)) : text;
        message = message.strip().replaceAll("\\s+", " ");
        return message.length() <= MAX_MESSAGE_CHARS ? message : message.substring(0, MAX_MESSAGE_CHARS) + "…";
    }

    /** JSON's short escapes; a \\uXXXX escape is kept as written, which is readable enough in a reason. */
    private static String unescape(String json) {
        StringBuilder out = new StringBuilder(json.length());
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c != '\\' || i + 1 == json.length()) {
                out.append(c);
                continue;
            }
            char next = json.charAt(++i);
            out.append(switch (next) {
                case 'n', 'r', 't' -> " ";
                case 'u' -> "\\u";
                default -> String.valueOf(next);
            });
        }
        return out.toString();
    }

    static String sandboxFailed(String environmentId, Throwable cause) {
        return "the sandbox failed to start (environment " + environmentId + "): "
                + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage().strip());
    }
}
