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
 * @param namePrefix prefix of every host object a sandbox creates (netns, cgroup, scratch dir). At start the worker
 *     removes every leftover under its prefix, so two servers on one host must not share one. Empty (the default):
 *     derived from the data directory, see {@link #prefixFor}
 * @param sandboxPool the most sandboxes kept pre-created (network namespace with its Runtime API listener, cgroup,
 *     scratch directory; no process), sized to the recent rate of cold starts; 0 turns the pool off
 * @param mountAhead whether a new version's code image is mounted while it activates, so its first invoke does not
 *     wait for the mount (true); false mounts at the first invoke, for tests that change the store behind a
 *     server's back
 */
public record WorkerConfig(boolean enabled, long sandboxMemoryBytes, LifecycleSettings lifecycle, String namePrefix,
                           int sandboxPool, boolean mountAhead) {
    /** Enough for a second of cold starts at 8 per second; each costs a few kernel objects, no process. */
    public static final int DEFAULT_SANDBOX_POOL = 8;

    public WorkerConfig {
        Objects.requireNonNull(lifecycle, "lifecycle");
        Objects.requireNonNull(namePrefix, "namePrefix");
        if (sandboxMemoryBytes < 128L << 20) {
            throw new IllegalArgumentException("sandbox memory must hold at least one 128 MB function: "
                    + sandboxMemoryBytes);
        }
        if (sandboxPool < 0 || sandboxPool > 1000) {
            throw new IllegalArgumentException("the sandbox pool must be 0 to 1000: " + sandboxPool);
        }
    }

    public static WorkerConfig defaults() {
        long physical = ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        return new WorkerConfig(true, Math.max(128L << 20, physical / 4 * 3), LifecycleSettings.DEFAULTS, "",
                DEFAULT_SANDBOX_POOL, true);
    }

    /**
     * The prefix for a server on {@code dataDir}: {@code kindling-} and 8 hex digits of the directory's path hash.
     * Stable across restarts, so a restarted server cleans up what its crashed predecessor left; different for
     * another data directory, so one server's start-up never removes another's sandboxes.
     */
    public static String prefixFor(java.nio.file.Path dataDir) {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(
                    dataDir.toAbsolutePath().normalize().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "kindling-" + java.util.HexFormat.of().formatHex(hash, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** A server that keeps no sandboxes: the control plane only, every invoke answered with why. */
    public WorkerConfig disabled() {
        return new WorkerConfig(false, sandboxMemoryBytes, lifecycle, namePrefix, sandboxPool, mountAhead);
    }

    public WorkerConfig withLifecycle(LifecycleSettings settings) {
        return new WorkerConfig(enabled, sandboxMemoryBytes, settings, namePrefix, sandboxPool, mountAhead);
    }

    public WorkerConfig withSandboxMemoryBytes(long bytes) {
        return new WorkerConfig(enabled, bytes, lifecycle, namePrefix, sandboxPool, mountAhead);
    }

    public WorkerConfig withNamePrefix(String prefix) {
        return new WorkerConfig(enabled, sandboxMemoryBytes, lifecycle, prefix, sandboxPool, mountAhead);
    }

    public WorkerConfig withSandboxPool(int max) {
        return new WorkerConfig(enabled, sandboxMemoryBytes, lifecycle, namePrefix, max, mountAhead);
    }

    public WorkerConfig withoutMountAhead() {
        return new WorkerConfig(enabled, sandboxMemoryBytes, lifecycle, namePrefix, sandboxPool, false);
    }
}
