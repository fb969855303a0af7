package io.kindling.wire;

/** Put/GetProvisionedConcurrencyConfig's response; LastModified is an ISO-8601 string here. */
public record ProvisionedConcurrencyConfig(Integer requestedProvisionedConcurrentExecutions,
                                           Integer availableProvisionedConcurrentExecutions,
                                           Integer allocatedProvisionedConcurrentExecutions, String status,
                                           String statusReason, String lastModified) {}
