package io.kindling.wire;

public record GetFunctionResponse(FunctionConfiguration configuration, FunctionCodeLocation code, java.util.Map<String, String> tags, Concurrency concurrency) {}
