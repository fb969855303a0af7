package io.kindling.wire;

public record EnvironmentError(String errorCode, String message) {}
