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
    Sandbox start(SandboxSpec spec) throws SandboxException;

    /**
     * Removes what a crashed worker left behind under this driver's names: network namespaces,
     * cgroups (killing any process still in them) and scratch directories. Sandboxes this driver
     * started and has not closed are left alone. Meant for start-up, before the first
     * {@link #start}; failures are logged, not thrown, so one stuck leftover does not stop the rest.
     */
    void cleanLeftovers();
}
