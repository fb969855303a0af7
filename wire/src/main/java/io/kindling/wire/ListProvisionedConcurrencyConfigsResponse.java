package io.kindling.wire;

import java.util.List;

public record ListProvisionedConcurrencyConfigsResponse(
        List<ProvisionedConcurrencyConfigListItem> provisionedConcurrencyConfigs, String nextMarker) {}
