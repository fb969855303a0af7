package io.kindling.worker.sandbox;

import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a sandbox needs before it knows its function: a scratch directory with the generated /etc files, a cgroup
 * with no limits yet (nothing may join it before the function's are written), and a network namespace with the
 * Runtime API listener bound in it. Made either by the sandbox's own start, named after it, or ahead by
 * {@link PrecreatedSandboxes}, named {@code pool.<n>}: {@code <prefix>-<id>} for the namespace and the scratch
 * directory, {@code <prefix>/<id>} for the cgroup.
 */
record SandboxSlot(String id, String netnsName, ScratchDir scratch, SandboxCgroup cgroup, ServerSocketChannel listener,
                   NetworkNamespaces networks, Duration stopTimeout) {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxSlot.class);

    /** The same slot with its scratch directory moved (renamed after the sandbox that took it). */
    SandboxSlot withScratch(ScratchDir moved) {
        return new SandboxSlot(id, netnsName, moved, cgroup, listener, networks, stopTimeout);
    }

    /**
     * Removes everything of the slot, in this order: the listener, the cgroup (killing whatever is still in it), the
     * namespace, the scratch directory. Failures are logged, never thrown: the next start's cleanLeftovers gets them.
     */
    void destroy() {
        NetworkNamespaces.closeQuietly(listener);
        step("removing its cgroups", () -> cgroup.remove(stopTimeout));
        step("deleting its network namespace " + netnsName, () -> networks.delete(netnsName));
        step("deleting its scratch directory", scratch::delete);
    }

    private interface Step {
        void run() throws SandboxException;
    }

    private void step(String what, Step step) {
        try {
            step.run();
        } catch (SandboxException | RuntimeException e) {
            LOG.warn("{}: {} failed; cleanLeftovers() will retry", id, what, e);
        }
    }
}
