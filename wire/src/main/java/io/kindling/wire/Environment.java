package io.kindling.wire;

public record Environment(java.util.Map<String, String> variables) {}
