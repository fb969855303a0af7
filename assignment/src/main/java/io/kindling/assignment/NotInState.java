package io.kindling.assignment;

import io.kindling.assignment.EnvironmentState.Kind;
import java.util.EnumSet;
import java.util.Set;

/** The event is legal only in the {@code expected} states, and the environment is in {@code actual}. */
public final class NotInState extends LifecycleException {
    private final Set<Kind> expected;
    private final EnvironmentState actual;
    private final EnvironmentEvent event;

    NotInState(EnvironmentEvent event, EnvironmentState actual, Kind expected, Kind... alsoExpected) {
        this(event, actual, EnumSet.of(expected, alsoExpected));
    }

    private NotInState(EnvironmentEvent event, EnvironmentState actual, Set<Kind> expected) {
        super(event.getClass().getSimpleName() + " is legal only in " + expected + ", but the environment is " + actual);
        this.expected = Set.copyOf(expected);
        this.actual = actual;
        this.event = event;
    }

    public Set<Kind> expected() {
        return expected;
    }

    public EnvironmentState actual() {
        return actual;
    }

    public EnvironmentEvent event() {
        return event;
    }
}
