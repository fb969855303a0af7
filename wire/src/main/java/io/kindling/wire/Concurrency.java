package io.kindling.wire;

public record Concurrency(Integer reservedConcurrentExecutions) {}
