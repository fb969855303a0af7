package io.kindling.wire;

public record DeadLetterConfig(String targetArn) {}
