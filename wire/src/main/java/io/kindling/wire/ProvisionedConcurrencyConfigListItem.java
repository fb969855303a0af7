package io.kindling.wire;

/** @param functionArn qualified with the alias or version the config is on */
public record ProvisionedConcurrencyConfigListItem(String functionArn, Integer requestedProvisionedConcurrentExecutions,
                                                   Integer availableProvisionedConcurrentExecutions,
                                                   Integer allocatedProvisionedConcurrentExecutions, String status,
                                                   String statusReason, String lastModified) {}
