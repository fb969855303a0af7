package io.kindling.worker.runtimeapi;

/**
 * Why the channel refused a call from the runtime. {@link RuntimeApiHandler} maps each case to its
 * Runtime API status and error type, in one place.
 */
sealed interface Refusal {
    /** The request id is not the invocation the runtime is running, nor the one it just answered. (400) */
    record InvalidRequestId(String requestId) implements Refusal {}

    /** The call is out of order: a second answer, /init/error after init, /next before answering. (403) */
    record InvalidStateTransition(String detail) implements Refusal {}

    /** The environment is being torn down; the runtime should exit. (500) */
    record EnvironmentClosed() implements Refusal {}

    /** Carries a refusal through a future, for the /next long poll. Stackless: it is an answer, not a bug. */
    final class Refused extends Exception {
        private final Refusal refusal;

        Refused(Refusal refusal) {
            super(refusal.toString(), null, false, false);
            this.refusal = refusal;
        }

        Refusal refusal() {
            return refusal;
        }
    }
}
