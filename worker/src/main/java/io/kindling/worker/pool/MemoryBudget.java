package io.kindling.worker.pool;

import io.kindling.assignment.EnvironmentPool;
import io.kindling.assignment.EnvironmentState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The worker's cap on the memory of all its sandboxes together, across functions. A new environment is admitted only
 * if its memory fits; if it does not, warm on-demand environments of any function are shut down, least recently used
 * first ({@link EnvironmentPool#evictFor}), and if even that cannot make room the invocation is refused rather than
 * queued: an invoke of one function never waits for another function's work. Provisioned environments count like any
 * other but are never evicted: keeping them initialized is what their function asked for.
 *
 * <p>Evicted environments count as free from the moment they are asked to shut down, although their processes take
 * up to the shutdown grace to die: the cap can be overshot by that much for that long.
 *
 * <p>Threads: every method takes one short lock; {@link ExecutionEnvironment#shutdown} only queues an event, so no
 * pool lock is ever taken under this one.
 */
public final class MemoryBudget {
    private final long capacityBytes;
    /** The environments admitted and not Gone, with the memory each holds. Bounded by capacity / 128 MiB. */
    private final Map<ExecutionEnvironment, Long> held = new LinkedHashMap<>();
    /** Environments asked to shut down to make room; their memory already counts as free. */
    private final Set<ExecutionEnvironment> evicting = new HashSet<>();

    public MemoryBudget(long capacityBytes) {
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("capacityBytes must be positive: " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    /**
     * Makes room for a new environment of {@code bytes}, evicting warm environments if needed.
     *
     * @throws EnvironmentUnavailable ({@link EnvironmentUnavailable.Reason#NO_CAPACITY}) if it cannot fit
     */
    synchronized void admit(ExecutionEnvironment environment, long bytes) throws EnvironmentUnavailable {
        long free = capacityBytes - usedBytes();
        if (free < bytes) {
            List<EnvironmentPool.Snapshot<ExecutionEnvironment>> warm = new ArrayList<>();
            held.forEach((candidate, memory) -> {
                if (!evicting.contains(candidate) && !candidate.isProvisioned()) {
                    lastUsed(candidate.state()).ifPresent(since -> warm.add(new EnvironmentPool.Snapshot<>(candidate,
                            candidate.function().qualifiedName(), memory, since, candidate.state().kind())));
                }
            });
            List<ExecutionEnvironment> victims = EnvironmentPool.evictFor(bytes, warm, free).orElseThrow(() ->
                    new EnvironmentUnavailable(EnvironmentUnavailable.Reason.NO_CAPACITY, "the worker's sandbox memory ("
                            + (capacityBytes >> 20) + " MiB) is held by busy or provisioned environments; "
                            + (bytes >> 20) + " MiB more do not fit"));
            for (ExecutionEnvironment victim : victims) {
                evicting.add(victim);
                victim.shutdown();
            }
        }
        held.put(environment, bytes);
    }

    /** The environment is Gone: its memory is free. */
    synchronized void release(ExecutionEnvironment environment) {
        held.remove(environment);
        evicting.remove(environment);
    }

    /** Memory held by admitted environments that are not being evicted. */
    public synchronized long usedBytes() {
        long used = 0;
        for (Map.Entry<ExecutionEnvironment, Long> entry : held.entrySet()) {
            if (!evicting.contains(entry.getKey())) {
                used += entry.getValue();
            }
        }
        return used;
    }

    private static Optional<Instant> lastUsed(EnvironmentState state) {
        return switch (state) {
            case EnvironmentState.Idle idle -> Optional.of(idle.since());
            case EnvironmentState.Frozen frozen -> Optional.of(frozen.idleSince());
            default -> Optional.empty();
        };
    }
}
