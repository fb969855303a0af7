package io.kindling.frontend;

import io.kindling.registry.FunctionVersion;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs invocations for the frontend: the seam between the Lambda API and whatever holds execution environments (the
 * local worker today; placement over many workers later). The frontend has already authenticated the caller,
 * resolved the qualifier and checked that the version is Active.
 */
public interface Invoker {

    /**
     * Runs one synchronous invocation and waits for its answer. A function error is a result, not an exception.
     *
     * @throws InvokeRefused when no environment could run it; nothing of the function ran
     */
    Result invoke(FunctionVersion version, Request request) throws InvokeRefused, InterruptedException;

    /** The function is deleted: its execution environments may go at once. */
    default void functionDeleted(String functionName) {}

    /**
     * @param payload the event bytes, valid JSON or empty
     * @param invokedArn the ARN as the caller named the function, with its qualifier if it gave one
     * @param clientContext the decoded client context JSON
     * @param wantLogTail whether the caller asked for {@code X-Amz-Log-Type: Tail}
     * @param requestId the invocation's request id: the caller's {@code x-amzn-RequestId}, or the async event's id
     */
    record Request(byte[] payload, String invokedArn, Optional<String> clientContext, boolean wantLogTail,
                   String requestId) {
        public Request {
            Objects.requireNonNull(requestId, "requestId");
            Objects.requireNonNull(payload, "payload");
            Objects.requireNonNull(invokedArn, "invokedArn");
            Objects.requireNonNull(clientContext, "clientContext");
        }
    }

    /**
     * @param payload the function's response, or the error JSON when {@code functionError} is present
     * @param functionError {@code Unhandled} when the function failed ({@code X-Amz-Function-Error})
     * @param logTail the end of this invocation's log, when it was asked for
     */
    record Result(byte[] payload, Optional<String> functionError, Optional<byte[]> logTail) {
        public Result {
            Objects.requireNonNull(payload, "payload");
            Objects.requireNonNull(functionError, "functionError");
            Objects.requireNonNull(logTail, "logTail");
        }
    }

    /** Nothing could run the invocation. */
    final class InvokeRefused extends Exception {
        public enum Why {
            /** Every sandbox slot is busy; the caller may retry (429). */
            NO_CAPACITY,
            /** This server cannot run sandboxes now (not root, shutting down, a sandbox failed to start). */
            UNAVAILABLE
        }

        private final Why why;

        public InvokeRefused(Why why, String message, Throwable cause) {
            super(message, cause);
            this.why = Objects.requireNonNull(why, "why");
        }

        public Why why() {
            return why;
        }
    }
}
