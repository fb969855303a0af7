package io.kindling.worker.sandbox;

/**
 * Creates execution environments: one isolated process tree per {@link SandboxSpec}, with its own
 * Runtime API listener and resource limits. The interface exists so that a microVM driver can
 * replace the bubblewrap one on hosts that have KVM.
 */
public interface SandboxDriver {
    /**
     * Builds the sandbox and starts the spec's command in it. When this returns, the Runtime API
     * listener is bound and the process has been spawned, already inside its cgroups; it may not
     * have produced any output yet. On failure everything created so far is removed again.
     */
    default Sandbox start(SandboxSpec spec) throws SandboxException {
        return start(spec, CpuCap.FROM_START);
    }

    /** As {@link #start(SandboxSpec)}, with the spec's CPU cap applied when {@code cap} says. */
    Sandbox start(SandboxSpec spec, CpuCap cap) throws SandboxException;

    /** When a sandbox's CPU cap (its limits' cores) starts to apply. Memory, pids and CPU weight apply from the start. */
    enum CpuCap {
        /** Before the first instruction of the command. */
        FROM_START,
        /**
         * Once {@link Sandbox#initDone()} says the runtime has initialized: the runtime's start-up (a JVM's, say) runs
         * at whatever CPU is free, its weight still in proportion to its memory (Lambda users report the same of
         * Lambda's init phase; AWS does not document it). Init has its own time limit, so this cannot last.
         */
        AFTER_INIT
    }

    /**
     * Removes what a crashed worker left behind under this driver's names: network namespaces,
     * cgroups (killing any process still in them) and scratch directories. Sandboxes this driver
     * started and has not closed are left alone. Meant for start-up, before the first
     * {@link #start}; failures are logged, not thrown, so one stuck leftover does not stop the rest.
     */
    void cleanLeftovers();
}
