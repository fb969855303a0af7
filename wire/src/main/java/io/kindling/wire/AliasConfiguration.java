package io.kindling.wire;

public record AliasConfiguration(String aliasArn, String name, String functionVersion, String description, AliasRoutingConfig routingConfig, String revisionId) {}
