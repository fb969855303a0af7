package io.kindling.worker.pool;

import io.kindling.worker.sandbox.SandboxStartTimes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where one cold start's time went, from the pool's decision to the first response. The phases follow each other
 * without gaps; their sum is the cold start as the worker sees it (the caller also waits for the frontend, and, for
 * the first start of new code, for its image mount, which {@code CodeImages} measures on its own).
 *
 * @param assignment the pool's decision and memory admission, the hand-over to the environment's thread, the
 *     sandbox's spec and its entrypoint check
 * @param sandbox the driver's steps: scratch directory, cgroup, network namespace and listener (all zero when a
 *     pre-created slot was taken), limits, launcher spawned
 * @param runtimeInit the launcher spawned → the runtime's first {@code /next}: nsenter, bwrap's namespaces and
 *     mounts, the runtime's own start and init (Lambda's Init Duration covers the last part)
 * @param firstResponse the first {@code /next} → the first invocation answered: the event delivered, the handler's
 *     run, its response relayed
 */
public record ColdStartPhases(Duration assignment, SandboxStartTimes sandbox, Duration runtimeInit,
                              Duration firstResponse) {
    /** The phases' names, in order, as {@link #byName()} keys them. */
    public static final List<String> PHASES = List.of("assignment", "scratch", "cgroup", "network", "limits", "spawn",
            "runtime_init", "first_response");

    public ColdStartPhases {
        Objects.requireNonNull(assignment, "assignment");
        Objects.requireNonNull(sandbox, "sandbox");
        Objects.requireNonNull(runtimeInit, "runtimeInit");
        Objects.requireNonNull(firstResponse, "firstResponse");
    }

    /** Every phase by its metric name, in order. */
    public Map<String, Duration> byName() {
        Map<String, Duration> phases = new LinkedHashMap<>();
        phases.put("assignment", assignment);
        phases.put("scratch", sandbox.scratch());
        phases.put("cgroup", sandbox.cgroup());
        phases.put("network", sandbox.network());
        phases.put("limits", sandbox.limits());
        phases.put("spawn", sandbox.spawn());
        phases.put("runtime_init", runtimeInit);
        phases.put("first_response", firstResponse);
        return phases;
    }

    /** The whole cold start as the worker saw it. */
    public Duration total() {
        return assignment.plus(sandbox.total()).plus(runtimeInit).plus(firstResponse);
    }

    /** Hears each cold start once its first invocation is answered; must not block (it runs on the environment's thread). */
    @FunctionalInterface
    public interface Observer {
        Observer NONE = (function, phases) -> { };

        void coldStarted(FunctionVersionSpec function, ColdStartPhases phases);
    }
}
