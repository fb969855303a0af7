package io.kindling.assignment;

import io.kindling.assignment.Effect.ScheduleTimer;
import io.kindling.assignment.EnvironmentState.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the worker's per-environment loop does, minus the OS: holds the state, a clock the test moves by hand, the one
 * armed timer (replaced on every transition), and the path taken. Single-threaded; nothing sleeps.
 */
final class ScriptedEnvironment {
    private final LifecycleSettings settings;
    private EnvironmentState state;
    private Instant now;
    private ScheduleTimer armed;
    private final List<Kind> path = new ArrayList<>();

    private ScriptedEnvironment(LifecycleSettings settings, Instant now) {
        this.settings = settings;
        this.now = now;
    }

    /** A cold start for {@code first}; returns the environment, its start effects are in {@link #startEffects}. */
    static ScriptedEnvironment start(InvocationId first, Duration timeout, Instant now, LifecycleSettings settings) {
        var env = new ScriptedEnvironment(settings, now);
        env.startEffects = env.apply(EnvironmentLifecycle.start(first, now.plus(timeout), now, settings));
        return env;
    }

    List<Effect> startEffects;

    ScriptedEnvironment after(Duration d) {
        now = now.plus(d);
        return this;
    }

    /** Feeds one event now; returns the transition's effects other than the timer, which it arms. */
    List<Effect> on(EnvironmentEvent event) throws LifecycleException {
        return apply(EnvironmentLifecycle.next(state, event, now, settings));
    }

    /** Moves the clock to the armed timer and delivers its event. */
    List<Effect> fireTimer() throws LifecycleException {
        if (armed == null) {
            throw new AssertionError("no timer armed in " + state);
        }
        ScheduleTimer timer = armed;
        now = timer.at().isAfter(now) ? timer.at() : now;
        return on(timer.event());
    }

    private List<Effect> apply(Transition t) {
        state = t.next();
        path.add(state.kind());
        armed = null; // the old state's timer dies with it
        List<Effect> work = new ArrayList<>();
        for (Effect e : t.effects()) {
            if (e instanceof ScheduleTimer timer) {
                armed = timer;
            } else {
                work.add(e);
            }
        }
        return work;
    }

    EnvironmentState state() {
        return state;
    }

    Instant now() {
        return now;
    }

    ScheduleTimer armed() {
        return armed;
    }

    List<Kind> path() {
        return path;
    }
}
