package io.kindling.assignment;

import io.kindling.assignment.EnvironmentState.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The pool's two decisions, as pure functions over snapshots taken by the caller, generic in the environment key so
 * they are tested with plain strings. Only snapshots whose kind {@link Kind#acceptsInvocations() accepts invocations}
 * (Idle, Frozen) are considered; any other is skipped, since it can neither take work nor be evicted.
 */
public final class EnvironmentPool {
    private EnvironmentPool() {}

    /**
     * What the pool knew about one environment when it decided.
     *
     * @param key the caller's handle for the environment
     * @param functionVersion the function version it runs, e.g. {@code fn:3}
     * @param memoryBytes its memory limit, what evicting it frees
     * @param lastUsed when it last finished an invocation (Idle's and Frozen's {@code since})
     * @param kind its state
     */
    public record Snapshot<E>(E key, String functionVersion, long memoryBytes, Instant lastUsed, Kind kind) {
        public Snapshot {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(functionVersion, "functionVersion");
            Objects.requireNonNull(lastUsed, "lastUsed");
            Objects.requireNonNull(kind, "kind");
            if (memoryBytes <= 0) {
                throw new IllegalArgumentException("memoryBytes must be positive: " + memoryBytes);
            }
        }
    }

    /**
     * The warm environment that should take the next invocation of one function version: the most recently used.
     * Reusing the hottest environment keeps the fewest of them busy, so under light load the rest age out through
     * the idle timeout instead of being kept warm by round-robin; it is also the least likely to be frozen yet. On a
     * tie the earlier snapshot in the list wins.
     *
     * @param idle the warm environments of that function version
     * @return empty when none is warm: the caller starts a new environment
     */
    public static <E> Optional<E> pickIdle(List<Snapshot<E>> idle) {
        Snapshot<E> best = null;
        for (Snapshot<E> s : idle) {
            if (s.kind().acceptsInvocations() && (best == null || s.lastUsed().isAfter(best.lastUsed()))) {
                best = s;
            }
        }
        return Optional.ofNullable(best).map(Snapshot::key);
    }

    /**
     * As {@link #pickIdle(List)}, for a function version with provisioned concurrency: a provisioned environment is
     * taken before any on-demand one, whichever was used last, because provisioned environments are kept (and paid
     * for) for exactly this, while an on-demand one left idle retires through the idle timeout and frees its memory.
     *
     * @param provisioned the warm provisioned environments of that function version
     * @param onDemand its other warm environments
     */
    public static <E> Optional<E> pickIdle(List<Snapshot<E>> provisioned, List<Snapshot<E>> onDemand) {
        return pickIdle(provisioned).or(() -> pickIdle(onDemand));
    }

    /**
     * Which warm environments to evict, of any function, so that {@code bytesNeeded} fit: least recently used first,
     * stopping as soon as enough is free. Least recently used because it is the least likely to be asked for again
     * before its idle timeout anyway. On a tie the earlier snapshot in the list goes first.
     *
     * <p>Returns an {@code Optional} rather than a bare list because an empty list is a real answer ("it already fits,
     * evict nothing") and must not be confused with "it cannot fit".
     *
     * @return the keys to evict, in order (empty if {@code freeBytes} already suffice); or empty when even evicting
     *     every warm environment would not make room, in which case nothing should be evicted and the caller refuses
     *     or queues the request
     */
    public static <E> Optional<List<E>> evictFor(long bytesNeeded, List<Snapshot<E>> idleAcrossFunctions,
                                                 long freeBytes) {
        if (bytesNeeded < 0) {
            throw new IllegalArgumentException("bytesNeeded must not be negative: " + bytesNeeded);
        }
        List<Snapshot<E>> oldestFirst = idleAcrossFunctions.stream()
                .filter(s -> s.kind().acceptsInvocations())
                .sorted(Comparator.comparing(Snapshot::lastUsed)) // stable: ties keep list order
                .toList();
        long free = freeBytes;
        List<E> victims = new ArrayList<>();
        for (Snapshot<E> s : oldestFirst) {
            if (free >= bytesNeeded) {
                break;
            }
            victims.add(s.key());
            free += s.memoryBytes();
        }
        return free >= bytesNeeded ? Optional.of(List.copyOf(victims)) : Optional.empty();
    }
}
