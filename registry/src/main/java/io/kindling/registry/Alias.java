package io.kindling.registry;

import java.util.Map;

/** A named pointer to a version, optionally shifting some traffic to a second version. */
public record Alias(
        String functionName,
        String name,
        String functionVersion,
        String description,
        Map<String, Double> additionalVersionWeights,
        String revisionId) {

    public Alias {
        additionalVersionWeights = additionalVersionWeights == null ? Map.of() : Map.copyOf(additionalVersionWeights);
    }
}
