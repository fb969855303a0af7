package io.kindling.server;

import io.kindling.assignment.LifecycleSettings;
import java.util.Objects;

/**
 * How the node's worker runs functions.
 *
 * @param enabled false to serve only the control plane (invokes then fail with ServiceException); when true and the
 *     server cannot run sandboxes (not root, no bubblewrap), it starts anyway and says why at each invoke
 * @param sandboxMemoryBytes the cap on all sandboxes' memory together (sum of their MemorySize); default three
 *     quarters of the machine's memory
 * @param lifecycle idle timeout, freeze delay and shutdown grace of execution environments
 * @param namePrefix prefix of every host object a sandbox creates (netns, cgroup, scratch dir); tests use their own
 */
public record WorkerConfig(boolean enabled, long sandboxMemoryBytes, LifecycleSettings lifecycle, String namePrefix) {
    public WorkerConfig {
        Objects.requireNonNull(lifecycle, "lifecycle");
        Objects.requireNonNull(namePrefix, "namePrefix");
        if (sandboxMemoryBytes < 128L << 20) {
            throw new IllegalArgumentException("sandbox memory must hold at least one 128 MB function: "
                    + sandboxMemoryBytes);
        }
    }

    public static WorkerConfig defaults() {
        long physical = ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        return new WorkerConfig(true, Math.max(128L << 20, physical / 4 * 3), LifecycleSettings.DEFAULTS, "kindling");
    }

    public WorkerConfig withLifecycle(LifecycleSettings settings) {
        return new WorkerConfig(enabled, sandboxMemoryBytes, settings, namePrefix);
    }

    public WorkerConfig withSandboxMemoryBytes(long bytes) {
        return new WorkerConfig(enabled, bytes, lifecycle, namePrefix);
    }

    public WorkerConfig withNamePrefix(String prefix) {
        return new WorkerConfig(enabled, sandboxMemoryBytes, lifecycle, prefix);
    }
}
