package io.kindling.wire;

public record LoggingConfig(String logFormat, String applicationLogLevel, String systemLogLevel, String logGroup) {}
