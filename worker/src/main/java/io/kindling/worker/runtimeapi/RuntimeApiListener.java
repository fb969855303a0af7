package io.kindling.worker.runtimeapi;

/**
 * What the worker's per-environment state machine learns from the runtime. Each method runs on the virtual
 * thread serving the runtime's HTTP request, after the channel has changed state, and that request waits
 * for it: keep it short and never block on the runtime.
 */
public interface RuntimeApiListener {
    /** A listener for environments whose events nobody needs (tests, tools). */
    RuntimeApiListener IGNORE = new RuntimeApiListener() {
        @Override
        public void runtimeAskedForNext() {}

        @Override
        public void outcome(InvocationRequest request, RuntimeOutcome outcome) {}

        @Override
        public void initError(RuntimeOutcome.InitError error) {}
    };

    /**
     * The runtime called {@code GET /runtime/invocation/next}. The first call means init finished; every later
     * one means the previous invocation is over and the environment is idle. A call may already be taking an
     * invocation that was delivered before it.
     */
    void runtimeAskedForNext();

    /**
     * The runtime answered {@code request} (response, function error, or a response that was too large). The
     * invocation's future completes right after this returns.
     */
    void outcome(InvocationRequest request, RuntimeOutcome outcome);

    /**
     * The runtime reported that it cannot start. The first invocation (delivered already or next) gets the error;
     * the runtime is expected to exit, so the environment should be torn down.
     */
    void initError(RuntimeOutcome.InitError error);
}
