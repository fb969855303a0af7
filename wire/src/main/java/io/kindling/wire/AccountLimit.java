package io.kindling.wire;

public record AccountLimit(long totalCodeSize, long codeSizeUnzipped, long codeSizeZipped, int concurrentExecutions, int unreservedConcurrentExecutions) {}
