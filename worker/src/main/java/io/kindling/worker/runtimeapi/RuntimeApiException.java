package io.kindling.worker.runtimeapi;

/** What the Runtime API hand-off refuses the worker. The javadoc of each case is its meaning. */
public sealed abstract class RuntimeApiException extends RuntimeException {
    private RuntimeApiException(String message) {
        super(message);
    }

    /**
     * {@link RuntimeApiChannel#deliver} was called while an earlier invocation was still delivered and unanswered.
     * An environment runs one invocation at a time, so this is a bug in the worker's bookkeeping.
     */
    public static final class InvocationInFlight extends RuntimeApiException {
        private final String inFlightRequestId;

        InvocationInFlight(String environment, String inFlightRequestId, String refusedRequestId) {
            super("environment " + environment + " is still running invocation " + inFlightRequestId
                    + "; refused " + refusedRequestId);
            this.inFlightRequestId = inFlightRequestId;
        }

        public String inFlightRequestId() {
            return inFlightRequestId;
        }
    }

    /**
     * The environment's channel was closed (sandbox killed, timed out or torn down) before the invocation got an
     * answer, or the invocation was delivered after that.
     */
    public static final class EnvironmentClosed extends RuntimeApiException {
        EnvironmentClosed(String environment) {
            super("the Runtime API of environment " + environment + " is closed");
        }
    }
}
