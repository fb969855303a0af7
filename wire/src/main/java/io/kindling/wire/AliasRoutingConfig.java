package io.kindling.wire;

public record AliasRoutingConfig(java.util.Map<String, Double> additionalVersionWeights) {}
