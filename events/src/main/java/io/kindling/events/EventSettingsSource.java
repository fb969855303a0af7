package io.kindling.events;

/**
 * The current event invoke config of a function and qualifier; supplied by the server. Read at each
 * decision (not cached by the queue), so a changed config applies to events already queued, as in Lambda.
 */
@FunctionalInterface
public interface EventSettingsSource {
    /** The settings, or {@link EventInvokeSettings#DEFAULTS} when none are configured. Must not block for long. */
    EventInvokeSettings settingsFor(String functionName, String qualifier);
}
