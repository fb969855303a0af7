package io.kindling.wire;

public record TracingConfig(String mode) {}
