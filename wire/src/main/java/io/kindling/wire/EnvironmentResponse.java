package io.kindling.wire;

public record EnvironmentResponse(java.util.Map<String, String> variables, EnvironmentError error) {}
