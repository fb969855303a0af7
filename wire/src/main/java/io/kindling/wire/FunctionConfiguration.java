package io.kindling.wire;

import java.util.List;

/**
 * A function version's configuration as every read and write operation returns it. LastModified
 * is a string like {@code 2020-04-10T19:06:32.563+0000}; CodeSha256 is base64.
 */
public record FunctionConfiguration(
        String functionName,
        String functionArn,
        String runtime,
        String role,
        String handler,
        long codeSize,
        String description,
        int timeout,
        int memorySize,
        String lastModified,
        String codeSha256,
        String version,
        EnvironmentResponse environment,
        TracingConfigResponse tracingConfig,
        String revisionId,
        String state,
        String stateReason,
        String stateReasonCode,
        String lastUpdateStatus,
        String lastUpdateStatusReason,
        String lastUpdateStatusReasonCode,
        String packageType,
        List<String> architectures,
        EphemeralStorageResponse ephemeralStorage,
        LoggingConfig loggingConfig,
        ImageConfigResponse imageConfigResponse) {}
