package io.kindling.worker.sandbox;

import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The resources one sandbox may use, enforced by its cgroups and its /tmp mount.
 *
 * @param memoryBytes memory limit (v1 memory.limit_in_bytes and memory.memsw.limit_in_bytes, v2
 *     memory.max with memory.swap.max 0). Files in /tmp are memory too (tmpfs), so this must
 *     cover the function's heap plus what it keeps in /tmp.
 * @param tmpBytes size of the private tmpfs at /tmp (Lambda: 512 MiB by default, up to 10,240 MiB)
 * @param maxPids tasks the sandbox may hold at once (pids.max; Lambda: 1,024), counting bwrap's
 *     monitor and init, so the function itself gets two fewer
 * @param cpuShares relative CPU weight under contention in v1 units (cpu.shares, default 1,024);
 *     translated to cpu.weight on cgroup v2
 * @param cpuCores hard CPU cap in cores (cfs quota / cpu.max); empty for no cap
 */
public record SandboxLimits(long memoryBytes, long tmpBytes, int maxPids, int cpuShares, OptionalDouble cpuCores) {
    /** The smallest memory limit that still fits bwrap, a shell and a useful function. */
    public static final long MIN_MEMORY_BYTES = 8L << 20;

    /** Lambda gives one full vCPU at 1,769 MB and CPU in proportion below and above. */
    static final long LAMBDA_MB_PER_CORE = 1769;

    /** Lambda's documented process limit. */
    public static final int LAMBDA_MAX_PROCESSES = 1024;

    private static final int MIN_SHARES = 2;
    private static final int MAX_SHARES = 262_144;

    public SandboxLimits {
        Objects.requireNonNull(cpuCores, "cpuCores");
        if (memoryBytes < MIN_MEMORY_BYTES) {
            throw new IllegalArgumentException("memoryBytes below " + MIN_MEMORY_BYTES + ": " + memoryBytes);
        }
        if (tmpBytes < 4096) {
            throw new IllegalArgumentException("tmpBytes below one page: " + tmpBytes);
        }
        if (maxPids < 4) {
            throw new IllegalArgumentException("maxPids below 4 (bwrap's monitor and init, a shell and one child): " + maxPids);
        }
        if (cpuShares < MIN_SHARES || cpuShares > MAX_SHARES) {
            throw new IllegalArgumentException("cpuShares outside " + MIN_SHARES + ".." + MAX_SHARES + ": " + cpuShares);
        }
        if (cpuCores.isPresent() && !(cpuCores.getAsDouble() > 0)) {
            throw new IllegalArgumentException("cpuCores must be positive: " + cpuCores);
        }
    }

    /**
     * Lambda's limits for a function configured with {@code memoryMb} of memory and
     * {@code ephemeralStorageMb} of /tmp: CPU weight and cap in proportion to memory, 1,024
     * processes. "MB" in Lambda's configuration means MiB.
     */
    public static SandboxLimits lambda(int memoryMb, int ephemeralStorageMb) {
        long memory = (long) memoryMb << 20;
        int shares = Math.clamp(memoryMb * 1024L / LAMBDA_MB_PER_CORE, MIN_SHARES, MAX_SHARES);
        double cores = (double) memoryMb / LAMBDA_MB_PER_CORE;
        return new SandboxLimits(memory, (long) ephemeralStorageMb << 20, LAMBDA_MAX_PROCESSES, shares, OptionalDouble.of(cores));
    }

    /** These limits with no CPU cap (the weight stays). */
    public SandboxLimits withoutCpuCap() {
        return new SandboxLimits(memoryBytes, tmpBytes, maxPids, cpuShares, OptionalDouble.empty());
    }

    /** cgroup v2's cpu.weight (1..10,000, default 100) for these v1 shares, the formula runc and systemd use. */
    int cpuWeight() {
        return (int) (1 + ((long) (cpuShares - MIN_SHARES) * 9999) / (MAX_SHARES - MIN_SHARES));
    }
}
