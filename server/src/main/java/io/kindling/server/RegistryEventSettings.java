package io.kindling.server;

import io.kindling.events.EventInvokeSettings;
import io.kindling.events.EventSettingsSource;
import io.kindling.registry.EventInvokeConfig;
import io.kindling.registry.Registry;
import java.time.Duration;

/**
 * The async queue's settings from the registry's event invoke configs, with Lambda's defaults for what a config
 * leaves unset. The registry answers from memory, so the dispatcher never waits on the database.
 */
record RegistryEventSettings(Registry registry) implements EventSettingsSource {
    @Override
    public EventInvokeSettings settingsFor(String functionName, String qualifier) {
        return registry.eventInvokeConfig(functionName, qualifier).map(RegistryEventSettings::settings)
                .orElse(EventInvokeSettings.DEFAULTS);
    }

    private static EventInvokeSettings settings(EventInvokeConfig config) {
        EventInvokeSettings defaults = EventInvokeSettings.DEFAULTS;
        return new EventInvokeSettings(
                config.maximumRetryAttempts().orElse(defaults.maximumRetryAttempts()),
                config.maximumEventAgeSeconds().isPresent()
                        ? Duration.ofSeconds(config.maximumEventAgeSeconds().getAsInt()) : defaults.maximumEventAge(),
                config.onSuccess(), config.onFailure());
    }
}
