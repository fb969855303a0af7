package io.kindling.assignment;

import java.util.Objects;

/**
 * Why an invocation failed without the runtime reporting a result. The caller sees these as function errors
 * ({@code X-Amz-Function-Error: Unhandled}) with Lambda's own {@link #errorType()} names.
 */
public sealed interface FunctionError {

    /** The {@code errorType} Lambda reports for this failure. */
    String errorType();

    /** The invocation ran past its deadline. */
    record Timeout() implements FunctionError {
        @Override
        public String errorType() {
            return "Sandbox.Timedout";
        }
    }

    /** The runtime process exited (on its own or by a signal) while the invocation or init was in flight. */
    record RuntimeExit(int exitCode) implements FunctionError {
        @Override
        public String errorType() {
            return "Runtime.ExitError";
        }
    }

    /** The OOM killer ended the runtime at the function's memory limit. */
    record OutOfMemory() implements FunctionError {
        @Override
        public String errorType() {
            return "Runtime.OutOfMemory";
        }
    }

    /**
     * The runtime's entrypoint is missing or not executable, so nothing was started. {@code message} is what follows
     * {@code "Error: "} in the caller's errorMessage.
     */
    record InvalidEntrypoint(String message) implements FunctionError {
        public InvalidEntrypoint {
            Objects.requireNonNull(message, "message");
        }

        @Override
        public String errorType() {
            return "Runtime.InvalidEntrypoint";
        }
    }

    /** Init failed and the runtime said why through {@code /init/error}; its type is passed through unchanged. */
    record InitError(String errorType) implements FunctionError {
        public InitError {
            Objects.requireNonNull(errorType, "errorType");
        }
    }
}
