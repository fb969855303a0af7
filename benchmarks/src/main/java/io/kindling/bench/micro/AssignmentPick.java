package io.kindling.bench.micro;

import io.kindling.assignment.EnvironmentPool;
import io.kindling.assignment.EnvironmentState;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The assignment decision for one invoke: {@link EnvironmentPool#pickIdle(List, List)} choosing the warm
 * environment that takes it (the most recently used) from snapshots of {@code environments} warm environments of
 * one function version, none provisioned, as {@code FunctionPool} asks it. The snapshots are built once, in the
 * setup; the worker builds them under its pool lock on every pick, which is not measured here.
 */
@State(Scope.Thread)
public class AssignmentPick {
    @Param({"1", "64", "1000"})
    public int environments;

    private final List<EnvironmentPool.Snapshot<String>> none = List.of();
    private List<EnvironmentPool.Snapshot<String>> warm;
    private String expected;
    private ArrayDeque<String> idle;

    @Setup
    public void setUp() {
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        List<Integer> ages = new ArrayList<>();
        for (int i = 0; i < environments; i++) {
            ages.add(i);
        }
        // Last use in no particular order, so the most recent is anywhere in the list; a few are frozen.
        Collections.shuffle(ages, new Random(7));
        List<EnvironmentPool.Snapshot<String>> snapshots = new ArrayList<>();
        idle = new ArrayDeque<>();
        for (int i = 0; i < environments; i++) {
            String key = "env-" + i;
            EnvironmentState.Kind kind = i % 8 == 7 ? EnvironmentState.Kind.FROZEN : EnvironmentState.Kind.IDLE;
            snapshots.add(new EnvironmentPool.Snapshot<>(key, "bench:1", 128L << 20, start.plusMillis(ages.get(i)), kind));
            idle.add(key);
        }
        warm = List.copyOf(snapshots);
        expected = "env-" + ages.indexOf(environments - 1);
        if (!pickIdle().equals(expected)) {
            throw new IllegalStateException("pickIdle chose " + pickIdle() + ", not the most recently used " + expected);
        }
    }

    /** Kindling: pick the most recently used warm environment. */
    @Benchmark
    public String pickIdle() {
        return EnvironmentPool.pickIdle(none, warm).orElseThrow();
    }

    /**
     * Baseline: an {@link ArrayDeque} as the idle list, taken from the head and put back at the head when the
     * invocation ends (so the head is the most recently used, the environment {@code pickIdle} chooses).
     */
    @Benchmark
    public String dequeBaseline() {
        String environment = idle.poll();
        idle.offerFirst(environment);
        return environment;
    }
}
