package io.kindling.frontend;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.registry.FunctionSettings;
import io.kindling.wire.DeadLetterConfig;
import io.kindling.wire.Environment;
import io.kindling.wire.ImageConfig;
import io.kindling.wire.LoggingConfig;
import io.kindling.wire.Requests;
import io.kindling.wire.VpcConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Turns CreateFunction and UpdateFunctionConfiguration members into {@link FunctionSettings},
 * with Lambda's limits and Lambda's error for each: model constraints (ranges, lengths, patterns,
 * enums) as ValidationException, semantic refusals as InvalidParameterValueException.
 */
final class SettingsValidator {
    /** Runtimes Kindling can start on this host. */
    static final List<String> SUPPORTED_RUNTIMES =
            List.of("provided", "provided.al2", "provided.al2023", "java17", "java21", "java25");

    /** Lambda's Runtime enum (botocore model, 2026): known names Kindling cannot run get a clearer error. */
    static final List<String> LAMBDA_RUNTIMES = List.of("nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10",
            "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x",
            "nodejs24.x", "java8", "java8.al2", "java11", "java17", "java21", "java25", "python2.7", "python3.6",
            "python3.7", "python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
            "python3.14", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8",
            "dotnet10", "nodejs4.3-edge", "go1.x", "ruby2.5", "ruby2.7", "ruby3.2", "ruby3.3", "ruby3.4",
            "provided", "provided.al2", "provided.al2023");

    /** Variables the runtime sets itself; Lambda refuses them in Environment.Variables. */
    static final Set<String> RESERVED_VARIABLES = Set.of("_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION",
            "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
            "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR");

    static final Pattern ROLE = Pattern.compile("arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
    static final Pattern HANDLER = Pattern.compile("[^\\s]+");
    static final Pattern ENV_KEY = Pattern.compile("[a-zA-Z]([a-zA-Z0-9_])+");
    static final Pattern LOG_GROUP = Pattern.compile("[\\.\\-_/#A-Za-z0-9]+");
    static final int ENVIRONMENT_LIMIT_BYTES = 4096;
    static final int MAX_IMAGE_CONFIG_ITEMS = 1500;
    private static final List<String> LOG_LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL");

    private final ObjectMapper json;

    SettingsValidator(ObjectMapper json) {
        this.json = json;
    }

    FunctionSettings forCreate(Requests.CreateFunction r) throws RequestException {
        Violations v = new Violations().required("role", r.role());
        check(v, r.role(), r.handler(), r.description(), r.timeout(), r.memorySize(), r.runtime(),
                r.ephemeralStorage() == null ? null : r.ephemeralStorage().size(), r.environment(),
                r.tracingConfig() == null ? null : r.tracingConfig().mode(), r.loggingConfig());
        v.oneOf("packageType", r.packageType(), List.of("Zip", "Image"));
        imageConfig(v, r.imageConfig());
        if (r.architectures() != null && r.architectures().size() != 1) {
            v.add("architectures", r.architectures(), r.architectures().isEmpty()
                    ? "Member must have length greater than or equal to 1" : "Member must have length less than or equal to 1");
        }
        v.throwIfAny();
        deadLetter(r.deadLetterConfig());
        unsupported(r.layers(), r.vpcConfig(), r.fileSystemConfigs(), r.kMSKeyArn(), r.snapStart());
        if (r.codeSigningConfigArn() != null) {
            throw unsupported("CodeSigningConfigArn (code signing)");
        }
        boolean image = "Image".equals(r.packageType());
        if (image) {
            if (r.runtime() != null || r.handler() != null) {
                throw new RequestException.InvalidParameter("Runtime and Handler cannot be set for functions of"
                        + " package type Image: the image's ENTRYPOINT and CMD, or ImageConfig, say what to start.");
            }
        } else {
            if (r.imageConfig() != null) {
                throw new RequestException.InvalidParameter("ImageConfig is supported only for functions of package"
                        + " type Image.");
            }
            if (r.runtime() == null || r.handler() == null) {
                throw new RequestException.InvalidParameter("Runtime and Handler are mandatory parameters for functions"
                        + " created with deployment packages.");
            }
            runtimeSupported(r.runtime());
        }
        environment(r.environment());
        return new FunctionSettings(image ? "Image" : "Zip", r.runtime(), r.role(), r.handler(),
                r.description() == null ? "" : r.description(), orDefault(r.timeout(), 3), orDefault(r.memorySize(), 128),
                r.environment() == null || r.environment().variables() == null ? Map.of() : r.environment().variables(),
                r.ephemeralStorage() == null ? 512 : r.ephemeralStorage().size(), architectures(r.architectures()),
                r.tracingConfig() == null || r.tracingConfig().mode() == null ? "PassThrough" : r.tracingConfig().mode(),
                logging(r.loggingConfig(), null), r.imageConfig());
    }

    /**
     * Lambda's ImageConfig constraints: at most 1,500 EntryPoint and Command items, a WorkingDirectory of at most 1,000
     * characters. Kindling also wants it absolute, as the sandbox starts there.
     */
    static void imageConfig(Violations v, ImageConfig config) {
        if (config == null) {
            return;
        }
        if (config.entryPoint() != null && config.entryPoint().size() > MAX_IMAGE_CONFIG_ITEMS) {
            v.add("imageConfig.entryPoint", config.entryPoint(), "Member must have length less than or equal to "
                    + MAX_IMAGE_CONFIG_ITEMS);
        }
        if (config.command() != null && config.command().size() > MAX_IMAGE_CONFIG_ITEMS) {
            v.add("imageConfig.command", config.command(), "Member must have length less than or equal to "
                    + MAX_IMAGE_CONFIG_ITEMS);
        }
        v.length("imageConfig.workingDirectory", config.workingDirectory(), 0, 1000);
        if (config.workingDirectory() != null && !config.workingDirectory().isEmpty()
                && !config.workingDirectory().startsWith("/")) {
            v.add("imageConfig.workingDirectory", config.workingDirectory(), "Member must be an absolute path");
        }
        for (List<String> items : java.util.Arrays.asList(config.entryPoint(), config.command())) {
            if (items != null && items.stream().anyMatch(item -> item == null || item.indexOf('\0') >= 0)) {
                v.add("imageConfig", items, "Members must be strings without NUL");
            }
        }
    }

    /** Validates an update and returns the change to apply to the current settings (null members keep their value). */
    java.util.function.UnaryOperator<FunctionSettings> forUpdate(Requests.UpdateFunctionConfiguration r)
            throws RequestException {
        Violations v = new Violations();
        check(v, r.role(), r.handler(), r.description(), r.timeout(), r.memorySize(), r.runtime(),
                r.ephemeralStorage() == null ? null : r.ephemeralStorage().size(), r.environment(),
                r.tracingConfig() == null ? null : r.tracingConfig().mode(), r.loggingConfig());
        v.throwIfAny();
        deadLetter(r.deadLetterConfig());
        Violations images = new Violations();
        imageConfig(images, r.imageConfig());
        images.throwIfAny();
        unsupported(r.layers(), r.vpcConfig(), r.fileSystemConfigs(), r.kMSKeyArn(), r.snapStart());
        if (r.runtime() != null) {
            runtimeSupported(r.runtime());
        }
        environment(r.environment());
        return s -> new FunctionSettings(s.packageType(), orElse(r.runtime(), s.runtime()), orElse(r.role(), s.role()),
                orElse(r.handler(), s.handler()), orElse(r.description(), s.description()),
                orDefault(r.timeout(), s.timeoutSeconds()), orDefault(r.memorySize(), s.memoryMb()),
                r.environment() == null ? s.environment()
                        : r.environment().variables() == null ? Map.of() : r.environment().variables(),
                r.ephemeralStorage() == null ? s.ephemeralStorageMb() : r.ephemeralStorage().size(),
                s.architectures(),
                r.tracingConfig() == null || r.tracingConfig().mode() == null ? s.tracingMode() : r.tracingConfig().mode(),
                logging(r.loggingConfig(), s.logging()), r.imageConfig() == null ? s.imageConfig() : r.imageConfig());
    }

    private static void check(Violations v, String role, String handler, String description, Integer timeout,
                              Integer memory, String runtime, Integer ephemeral, Environment environment,
                              String tracingMode, LoggingConfig logging) {
        v.pattern("role", role, ROLE)
                .length("handler", handler, 0, 128)
                .pattern("handler", handler, HANDLER)
                .length("description", description, 0, 256)
                .range("timeout", timeout, 1, 900)
                .range("memorySize", memory, 128, 10240)
                .range("ephemeralStorage.size", ephemeral, 512, 10240)
                .oneOf("runtime", runtime, LAMBDA_RUNTIMES)
                .oneOf("tracingConfig.mode", tracingMode, List.of("Active", "PassThrough"));
        if (environment != null && environment.variables() != null) {
            for (String key : environment.variables().keySet()) {
                if (!ENV_KEY.matcher(key).matches()) {
                    v.add("environment.variables", "[" + key + "]", "Map keys must satisfy constraint: [Member must"
                            + " satisfy regular expression pattern: " + ENV_KEY.pattern() + "]");
                }
            }
        }
        if (logging != null) {
            v.oneOf("loggingConfig.logFormat", logging.logFormat(), List.of("JSON", "Text"))
                    .oneOf("loggingConfig.applicationLogLevel", logging.applicationLogLevel(), LOG_LEVELS)
                    .oneOf("loggingConfig.systemLogLevel", logging.systemLogLevel(), List.of("DEBUG", "INFO", "WARN"))
                    .length("loggingConfig.logGroup", logging.logGroup(), 1, 512)
                    .pattern("loggingConfig.logGroup", logging.logGroup(), LOG_GROUP);
        }
    }

    private static void runtimeSupported(String runtime) throws RequestException {
        if (!SUPPORTED_RUNTIMES.contains(runtime)) {
            throw new RequestException.InvalidParameter("The runtime parameter of " + runtime + " is not supported by"
                    + " Kindling. Supported runtimes: " + String.join(", ", SUPPORTED_RUNTIMES) + ".");
        }
    }

    private void environment(Environment environment) throws RequestException {
        if (environment == null || environment.variables() == null) {
            return;
        }
        Set<String> reserved = new TreeSet<>(environment.variables().keySet());
        reserved.retainAll(RESERVED_VARIABLES);
        if (!reserved.isEmpty()) {
            throw new RequestException.InvalidParameter("Lambda was unable to configure your environment variables"
                    + " because the environment variables you have provided contains reserved keys that are currently"
                    + " not supported for modification. Reserved keys used in this request: " + String.join(", ", reserved));
        }
        String measured;
        try {
            measured = json.writeValueAsString(environment.variables());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (measured.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > ENVIRONMENT_LIMIT_BYTES) {
            throw new RequestException.InvalidParameter("Lambda was unable to configure your environment variables"
                    + " because the environment variables you have provided exceeded the 4KB limit. String measured: "
                    + measured);
        }
    }

    /** The one architecture this host runs; Lambda's other value is refused rather than accepted and never run. */
    static List<String> architectures(List<String> requested) throws RequestException {
        if (requested == null) {
            return List.of("x86_64");
        }
        Violations v = new Violations();
        for (String a : requested) {
            v.oneOf("architectures", a, List.of("x86_64", "arm64"));
        }
        v.throwIfAny();
        if (!requested.equals(List.of("x86_64"))) {
            throw new RequestException.InvalidParameter("Kindling on this host runs x86_64 functions only; "
                    + "Architectures " + requested + " cannot run here.");
        }
        return requested;
    }

    private static LoggingConfig logging(LoggingConfig requested, LoggingConfig current) {
        LoggingConfig base = current != null ? current : new LoggingConfig("Text", null, null, null);
        if (requested == null) {
            return base;
        }
        return new LoggingConfig(orElse(requested.logFormat(), base.logFormat()),
                orElse(requested.applicationLogLevel(), base.applicationLogLevel()),
                orElse(requested.systemLogLevel(), base.systemLogLevel()), orElse(requested.logGroup(), base.logGroup()));
    }

    /**
     * A dead-letter queue is an SQS queue or SNS topic, which Kindling does not run; rather than accept a
     * target no event could ever reach, say what does the same job here. An empty TargetArn clears it.
     */
    static void deadLetter(DeadLetterConfig dlq) throws RequestException {
        if (dlq == null || dlq.targetArn() == null || dlq.targetArn().isEmpty()) {
            return;
        }
        throw new RequestException.InvalidParameter("Kindling does not run SQS or SNS, so DeadLetterConfig.TargetArn "
                + dlq.targetArn() + " cannot receive failed asynchronous events. Instead, set an OnFailure destination"
                + " to a Kindling function (PutFunctionEventInvokeConfig with DestinationConfig.OnFailure.Destination"
                + " = arn:aws:lambda:<region>:<account>:function:NAME), or read events that failed every attempt from"
                + " Kindling's built-in dead-letter store (`kindling dlq ls FUNCTION`).");
    }

    private static void unsupported(List<String> layers, VpcConfig vpc, List<Map<String, Object>> fileSystems, String kmsKey,
                                    Map<String, Object> snapStart)
            throws RequestException {
        List<String> asked = new ArrayList<>();
        if (layers != null && !layers.isEmpty()) {
            asked.add("Layers");
        }
        if (vpc != null && ((vpc.subnetIds() != null && !vpc.subnetIds().isEmpty())
                || (vpc.securityGroupIds() != null && !vpc.securityGroupIds().isEmpty()))) {
            asked.add("VpcConfig");
        }
        if (fileSystems != null && !fileSystems.isEmpty()) {
            asked.add("FileSystemConfigs");
        }
        if (kmsKey != null && !kmsKey.isEmpty()) {
            asked.add("KMSKeyArn");
        }
        if (snapStart != null && snapStart.get("ApplyOn") != null && !"None".equals(snapStart.get("ApplyOn"))) {
            asked.add("SnapStart");
        }
        if (!asked.isEmpty()) {
            throw unsupported(String.join(", ", asked));
        }
    }

    private static RequestException unsupported(String what) {
        return new RequestException.InvalidParameter("Kindling does not support " + what + " yet; remove it from"
                + " the request. See docs/lambda-compatibility.md for what is supported.");
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }

    private static String orElse(String value, String fallback) {
        return value == null ? fallback : value;
    }
}
