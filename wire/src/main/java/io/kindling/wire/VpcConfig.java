package io.kindling.wire;

public record VpcConfig(java.util.List<String> subnetIds, java.util.List<String> securityGroupIds, Boolean ipv6AllowedForDualStack) {}
