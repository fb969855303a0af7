package io.kindling.wire;

public record ListFunctionsResponse(String nextMarker, java.util.List<FunctionConfiguration> functions) {}
