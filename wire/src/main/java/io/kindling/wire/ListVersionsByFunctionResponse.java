package io.kindling.wire;

public record ListVersionsByFunctionResponse(String nextMarker, java.util.List<FunctionConfiguration> versions) {}
