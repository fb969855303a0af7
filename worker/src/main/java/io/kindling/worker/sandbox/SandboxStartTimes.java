package io.kindling.worker.sandbox;

import java.time.Duration;
import java.util.Objects;

/**
 * How long each step of {@link SandboxDriver#start} took, for the cold-start breakdown. A sandbox started on a
 * pre-created slot did not make its scratch directory, cgroup or network namespace: those are zero, and
 * {@code pooled} says why.
 *
 * @param pooled whether the sandbox took a pre-created slot
 * @param scratch the scratch directory with its generated /etc files
 * @param cgroup the cgroup(s) made
 * @param network the network namespace made, lo up, the Runtime API listener bound inside it
 * @param limits the function's limits written to the cgroup(s)
 * @param spawn the launcher process spawned (it then becomes nsenter, bwrap and the runtime)
 */
public record SandboxStartTimes(boolean pooled, Duration scratch, Duration cgroup, Duration network, Duration limits,
                                Duration spawn) {
    public SandboxStartTimes {
        Objects.requireNonNull(scratch, "scratch");
        Objects.requireNonNull(cgroup, "cgroup");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(spawn, "spawn");
    }

    /** The whole of the driver's start. */
    public Duration total() {
        return scratch.plus(cgroup).plus(network).plus(limits).plus(spawn);
    }
}
