package io.kindling.assignment;

import java.util.List;
import java.util.Objects;

/** The result of one event: the state to store and the effects to run, in order. */
public record Transition(EnvironmentState next, List<Effect> effects) {
    public Transition {
        Objects.requireNonNull(next, "next");
        effects = List.copyOf(effects);
    }
}
