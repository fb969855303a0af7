package io.kindling.wire;

public record FunctionCodeLocation(String repositoryType, String location) {}
