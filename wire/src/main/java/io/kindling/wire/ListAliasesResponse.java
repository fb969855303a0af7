package io.kindling.wire;

public record ListAliasesResponse(String nextMarker, java.util.List<AliasConfiguration> aliases) {}
