package io.kindling.wire;

/** The model's OnSuccess and OnFailure shapes: one ARN, absent when unset. */
public record Destination(String destination) {}
