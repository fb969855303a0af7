package io.kindling.wire;

import java.util.List;
import java.util.Map;

/** Request bodies of the control-plane operations. Every member is optional on the wire. */
public final class Requests {
    private Requests() {}

    public record CreateFunction(
            String functionName,
            String runtime,
            String role,
            String handler,
            FunctionCode code,
            String description,
            Integer timeout,
            Integer memorySize,
            Boolean publish,
            VpcConfig vpcConfig,
            String packageType,
            DeadLetterConfig deadLetterConfig,
            Environment environment,
            String kMSKeyArn,
            TracingConfig tracingConfig,
            Map<String, String> tags,
            List<String> layers,
            List<Map<String, Object>> fileSystemConfigs,
            ImageConfig imageConfig,
            String codeSigningConfigArn,
            List<String> architectures,
            EphemeralStorage ephemeralStorage,
            Map<String, Object> snapStart,
            LoggingConfig loggingConfig) {}

    /** Code as CreateFunction carries it; ZipFile is base64 in JSON and decoded by Jackson. */
    public record FunctionCode(byte[] zipFile, String s3Bucket, String s3Key, String s3ObjectVersion, String imageUri) {}

    public record UpdateFunctionCode(
            byte[] zipFile,
            String s3Bucket,
            String s3Key,
            String s3ObjectVersion,
            String imageUri,
            Boolean publish,
            Boolean dryRun,
            String revisionId,
            List<String> architectures) {}

    public record UpdateFunctionConfiguration(
            String role,
            String handler,
            String description,
            Integer timeout,
            Integer memorySize,
            VpcConfig vpcConfig,
            Environment environment,
            String runtime,
            DeadLetterConfig deadLetterConfig,
            String kMSKeyArn,
            TracingConfig tracingConfig,
            String revisionId,
            List<String> layers,
            List<Map<String, Object>> fileSystemConfigs,
            ImageConfig imageConfig,
            EphemeralStorage ephemeralStorage,
            Map<String, Object> snapStart,
            LoggingConfig loggingConfig) {}

    public record PublishVersion(String codeSha256, String description, String revisionId) {}

    public record CreateAlias(String name, String functionVersion, String description, AliasRoutingConfig routingConfig) {}

    public record UpdateAlias(String functionVersion, String description, AliasRoutingConfig routingConfig, String revisionId) {}

    public record PutFunctionConcurrency(Integer reservedConcurrentExecutions) {}

    public record TagResource(Map<String, String> tags) {}

    /** The body of both PutFunctionEventInvokeConfig (replace) and UpdateFunctionEventInvokeConfig (merge). */
    public record FunctionEventInvokeConfig(Integer maximumRetryAttempts, Integer maximumEventAgeInSeconds,
                                            DestinationConfig destinationConfig) {}

    public record PutProvisionedConcurrencyConfig(Integer provisionedConcurrentExecutions) {}
}
