package io.kindling.worker.sandbox;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a sandbox needs before it knows its function, made ahead by {@link PrecreatedSandboxes}: a scratch directory
 * with the generated /etc files, an empty cgroup with no limits yet (nothing may join it before the function's are
 * written), and a network namespace with the Runtime API listener bound in it. Its names are those of slot
 * {@code id}: {@code <prefix>-<id>} for the namespace and the scratch directory, {@code <prefix>/<id>} for the cgroup.
 */
record SandboxSlot(String id, String netnsName, ScratchDir scratch, SandboxCgroup cgroup, ServerSocketChannel listener,
                   NetworkNamespaces networks, Duration stopTimeout, Runnable onDestroyed) {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxSlot.class);

    /** Removes a slot that was never taken; failures are logged (the next start's cleanLeftovers gets them). */
    void destroy() {
        try {
            listener.close();
        } catch (IOException e) {
            LOG.warn("slot {}: closing the Runtime API listener failed", id, e);
        }
        try {
            networks.delete(netnsName);
        } catch (SandboxException e) {
            LOG.warn("slot {}: deleting network namespace {} failed", id, netnsName, e);
        }
        try {
            cgroup.remove(stopTimeout);
        } catch (SandboxException e) {
            LOG.warn("slot {}: removing its cgroup failed", id, e);
        }
        try {
            scratch.delete();
        } catch (SandboxException e) {
            LOG.warn("slot {}: deleting its scratch directory failed", id, e);
        }
        onDestroyed.run();
    }
}
