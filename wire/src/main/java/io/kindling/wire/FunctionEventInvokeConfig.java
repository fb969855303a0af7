package io.kindling.wire;

import java.math.BigDecimal;

/** @param lastModified epoch seconds with milliseconds, a JSON number (e.g. 1573686021.479), unlike FunctionConfiguration's */
public record FunctionEventInvokeConfig(BigDecimal lastModified, String functionArn, Integer maximumRetryAttempts,
                                        Integer maximumEventAgeInSeconds, DestinationConfig destinationConfig) {}
