package io.kindling.worker.sandbox;

import java.time.Duration;
import java.util.Objects;

/**
 * What a sandbox uses, read from its cgroups.
 *
 * @param memoryBytes memory charged now, page cache and /tmp included (v1 memory.usage_in_bytes,
 *     v2 memory.current)
 * @param peakMemoryBytes the most ever charged (v1 memory.max_usage_in_bytes, v2 memory.peak, or
 *     memory.current on kernels before 5.19 that lack it). This is Lambda's "Max Memory Used".
 * @param cpuTime CPU time of all its processes (v1 cpuacct.usage, v2 cpu.stat usage_usec); zero
 *     when the host has no CPU accounting
 * @param processes tasks in the sandbox now (pids.current), bwrap's two processes included
 */
public record ResourceUsage(long memoryBytes, long peakMemoryBytes, Duration cpuTime, long processes) {
    public ResourceUsage {
        Objects.requireNonNull(cpuTime, "cpuTime");
    }
}
