package io.kindling.assignment;

import static io.kindling.assignment.EnvironmentState.Kind.BUSY;
import static io.kindling.assignment.EnvironmentState.Kind.DRAINING;
import static io.kindling.assignment.EnvironmentState.Kind.FROZEN;
import static io.kindling.assignment.EnvironmentState.Kind.IDLE;
import static io.kindling.assignment.Samples.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.assignment.EnvironmentPool.Snapshot;
import io.kindling.assignment.EnvironmentState.Kind;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pool's decisions on plain string keys. */
class EnvironmentPoolTest {
    static final long MIB = 1024 * 1024;

    static Snapshot<String> env(String key, String function, long mib, int usedSecondsAfterT0, Kind kind) {
        return new Snapshot<>(key, function, mib * MIB, T0.plusSeconds(usedSecondsAfterT0), kind);
    }

    @Test
    void pickIdlePrefersTheMostRecentlyUsed() {
        var idle = List.of(env("old", "f:1", 128, 10, IDLE), env("newest", "f:1", 128, 30, IDLE),
                env("middle", "f:1", 128, 20, FROZEN));

        assertThat(EnvironmentPool.pickIdle(idle)).contains("newest");
    }

    @Test
    void aProvisionedEnvironmentIsPickedBeforeAMoreRecentlyUsedOnDemandOne() {
        var provisioned = List.of(env("p-old", "f:1", 128, 10, FROZEN), env("p-new", "f:1", 128, 20, IDLE),
                env("p-busy", "f:1", 128, 40, BUSY));
        var onDemand = List.of(env("on-demand", "f:1", 128, 30, IDLE));

        assertThat(EnvironmentPool.pickIdle(provisioned, onDemand)).contains("p-new");
        assertThat(EnvironmentPool.pickIdle(List.of(env("p-busy", "f:1", 128, 40, BUSY)), onDemand))
                .as("a busy provisioned environment is simply not available").contains("on-demand");
        assertThat(EnvironmentPool.pickIdle(List.<Snapshot<String>>of(), List.of())).isEmpty();
    }

    @Test
    void pickIdleTakesAFrozenEnvironmentWhenItIsTheMostRecent() {
        var idle = List.of(env("idle", "f:1", 128, 10, IDLE), env("frozen", "f:1", 128, 20, FROZEN));

        assertThat(EnvironmentPool.pickIdle(idle)).contains("frozen");
    }

    @Test
    void pickIdleSkipsEnvironmentsThatCannotTakeAnInvocation() {
        var pool = List.of(env("busy", "f:1", 128, 50, BUSY), env("draining", "f:1", 128, 40, DRAINING),
                env("idle", "f:1", 128, 10, IDLE));

        assertThat(EnvironmentPool.pickIdle(pool)).contains("idle");
        assertThat(EnvironmentPool.pickIdle(pool.subList(0, 2))).isEmpty();
        assertThat(EnvironmentPool.pickIdle(List.<Snapshot<String>>of())).isEmpty();
    }

    @Test
    void pickIdleBreaksTiesByListOrder() {
        var idle = List.of(env("a", "f:1", 128, 10, IDLE), env("b", "f:1", 128, 10, IDLE));

        assertThat(EnvironmentPool.pickIdle(idle)).contains("a");
    }

    @Test
    void evictForTakesTheLeastRecentlyUsedOfAnyFunctionAndStopsWhenEnoughIsFree() {
        var idle = List.of(
                env("g-recent", "g:1", 256, 50, IDLE),
                env("f-oldest", "f:1", 128, 10, FROZEN),
                env("h-old", "h:7", 128, 20, IDLE),
                env("f-recent", "f:1", 128, 40, IDLE));

        // 100 MiB free, 300 needed: the two oldest (of two functions) free 256 more, which is enough.
        assertThat(EnvironmentPool.evictFor(300 * MIB, idle, 100 * MIB)).contains(List.of("f-oldest", "h-old"));
        // One more byte needs a third victim, the next oldest.
        assertThat(EnvironmentPool.evictFor(356 * MIB + 1, idle, 100 * MIB))
                .contains(List.of("f-oldest", "h-old", "f-recent"));
    }

    @Test
    void evictForEvictsNothingWhenItAlreadyFits() {
        var idle = List.of(env("a", "f:1", 128, 10, IDLE));

        assertThat(EnvironmentPool.evictFor(128 * MIB, idle, 128 * MIB)).contains(List.of());
    }

    @Test
    void evictForRefusesWhenEvenEvictingEverythingIdleIsNotEnough() {
        var pool = List.of(env("a", "f:1", 128, 10, IDLE), env("b", "g:1", 128, 20, FROZEN),
                env("busy", "h:1", 1024, 5, BUSY));

        // Busy memory is not evictable, so 128 + 128 + 100 free is short of 512.
        assertThat(EnvironmentPool.evictFor(512 * MIB, pool, 100 * MIB)).isEmpty();
        assertThat(EnvironmentPool.evictFor(356 * MIB, pool, 100 * MIB)).contains(List.of("a", "b"));
    }

    @Test
    void evictForBreaksTiesByListOrder() {
        var idle = List.of(env("first", "f:1", 128, 10, IDLE), env("second", "g:1", 128, 10, IDLE));

        assertThat(EnvironmentPool.evictFor(128 * MIB, idle, 0)).contains(List.of("first"));
    }

    @Test
    void snapshotsAndRequestsAreChecked() {
        assertThatThrownBy(() -> env("a", "f:1", 0, 10, IDLE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EnvironmentPool.evictFor(-1, List.<Snapshot<String>>of(), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(EnvironmentPool.evictFor(0, List.<Snapshot<String>>of(), 0)).isEqualTo(Optional.of(List.of()));
    }
}
