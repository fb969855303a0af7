package io.kindling.wire;

import java.util.List;

public record ListFunctionEventInvokeConfigsResponse(List<FunctionEventInvokeConfig> functionEventInvokeConfigs,
                                                     String nextMarker) {}
