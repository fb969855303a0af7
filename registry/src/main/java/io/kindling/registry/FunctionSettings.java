package io.kindling.registry;

import io.kindling.wire.LoggingConfig;
import java.util.List;
import java.util.Map;

/**
 * What a user configures on a function version, already validated by the frontend. Stored as
 * JSON so a later field does not need a migration; published versions keep a frozen copy.
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
        LoggingConfig logging) {

    public FunctionSettings {
        environment = Map.copyOf(environment);
        architectures = List.copyOf(architectures);
    }

    public FunctionSettings withDescription(String newDescription) {
        return new FunctionSettings(packageType, runtime, role, handler, newDescription, timeoutSeconds,
                memoryMb, environment, ephemeralStorageMb, architectures, tracingMode, logging);
    }
}
