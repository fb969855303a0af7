package io.kindling.wire;

public record TracingConfigResponse(String mode) {}
