package io.kindling.wire;

public record AccountUsage(long totalCodeSize, long functionCount) {}
