package io.kindling.registry;

import io.kindling.wire.ImageConfig;
import io.kindling.wire.LoggingConfig;
import java.util.List;
import java.util.Map;

/**
 * What a user configures on a function version, already validated by the frontend. Stored as
 * JSON so a later field does not need a migration; published versions keep a frozen copy.
 *
 * @param runtime null for container images, as Lambda has it
 * @param handler null for container images
 * @param imageConfig a container image function's overrides of its image's start settings; null when none are set
 *     (and always for zips)
 */
public record FunctionSettings(
        String packageType,
        String runtime,
        String role,
        String handler,
        String description,
        int timeoutSeconds,
        int memoryMb,
        Map<String, String> environment,
        int ephemeralStorageMb,
        List<String> architectures,
        String tracingMode,
        LoggingConfig logging,
        ImageConfig imageConfig) {

    public FunctionSettings {
        environment = Map.copyOf(environment);
        architectures = List.copyOf(architectures);
    }

    /** Settings as they were before image functions: zips only. */
    public FunctionSettings(String packageType, String runtime, String role, String handler, String description,
                            int timeoutSeconds, int memoryMb, Map<String, String> environment, int ephemeralStorageMb,
                            List<String> architectures, String tracingMode, LoggingConfig logging) {
        this(packageType, runtime, role, handler, description, timeoutSeconds, memoryMb, environment,
                ephemeralStorageMb, architectures, tracingMode, logging, null);
    }

    public FunctionSettings withDescription(String newDescription) {
        return new FunctionSettings(packageType, runtime, role, handler, newDescription, timeoutSeconds,
                memoryMb, environment, ephemeralStorageMb, architectures, tracingMode, logging, imageConfig);
    }

    public boolean isImage() {
        return "Image".equals(packageType);
    }
}
