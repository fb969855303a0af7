package io.kindling.registry;

import java.util.List;

/**
 * Everything the registry refuses, as data. The frontend maps each case to a Lambda error name
 * and message in one place ({@code LambdaErrors}); nothing here knows about HTTP.
 */
public sealed abstract class RegistryException extends Exception {
    private RegistryException(String message, Throwable cause) {
        super(message, cause, false, false);
    }

    /** No function of that name. */
    public static final class FunctionNotFound extends RegistryException {
        public final String function;

        FunctionNotFound(String function) {
            super("function not found: " + function, null);
            this.function = function;
        }
    }

    /** The function exists, the requested published version does not. */
    public static final class VersionNotFound extends RegistryException {
        public final String function;
        public final String version;

        VersionNotFound(String function, String version) {
            super("version not found: " + function + ":" + version, null);
            this.function = function;
            this.version = version;
        }
    }

    /** The function exists, the alias does not. */
    public static final class AliasNotFound extends RegistryException {
        public final String function;
        public final String alias;

        AliasNotFound(String function, String alias) {
            super("alias not found: " + function + ":" + alias, null);
            this.function = function;
            this.alias = alias;
        }
    }

    /** CreateFunction for a name that is taken. */
    public static final class FunctionExists extends RegistryException {
        public final String function;

        FunctionExists(String function) {
            super("function exists: " + function, null);
            this.function = function;
        }
    }

    /** CreateAlias for a name that is taken. */
    public static final class AliasExists extends RegistryException {
        public final String function;
        public final String alias;

        AliasExists(String function, String alias) {
            super("alias exists: " + function + ":" + alias, null);
            this.function = function;
            this.alias = alias;
        }
    }

    /** A change was asked for while the function is still Pending or its last update InProgress. */
    public static final class UpdateInProgress extends RegistryException {
        public final String function;

        UpdateInProgress(String function) {
            super("update in progress: " + function, null);
            this.function = function;
        }
    }

    /** The caller's RevisionId precondition no longer holds. */
    public static final class RevisionMismatch extends RegistryException {
        /** "GetFunction" or "GetAlias": what the caller should call to learn the current id. */
        public final String refreshWith;

        RevisionMismatch(String refreshWith) {
            super("revision id mismatch", null);
            this.refreshWith = refreshWith;
        }
    }

    /** A published version that an alias still points at cannot be deleted. */
    public static final class VersionInUse extends RegistryException {
        public final List<String> aliases;

        VersionInUse(List<String> aliases) {
            super("version referenced by aliases " + aliases, null);
            this.aliases = List.copyOf(aliases);
        }
    }

    /** The function and qualifier exist, but no event invoke config was put for the qualifier. */
    public static final class EventInvokeConfigNotFound extends RegistryException {
        public final String function;
        public final String qualifier;

        EventInvokeConfigNotFound(String function, String qualifier) {
            super("no event invoke config: " + function + ":" + qualifier, null);
            this.function = function;
            this.qualifier = qualifier;
        }
    }

    /** The function and qualifier exist, but no provisioned concurrency was put for the qualifier. */
    public static final class ProvisionedConcurrencyNotFound extends RegistryException {
        public final String function;
        public final String qualifier;

        ProvisionedConcurrencyNotFound(String function, String qualifier) {
            super("no provisioned concurrency config: " + function + ":" + qualifier, null);
            this.function = function;
            this.qualifier = qualifier;
        }
    }

    /** A change that contradicts another configuration (e.g. provisioned concurrency on an alias and its version). */
    public static final class ConfigurationConflict extends RegistryException {
        ConfigurationConflict(String message) {
            super(message, null);
        }
    }

    /** A request that is well-formed but not allowed in the registry's current state. */
    public static final class InvalidRequest extends RegistryException {
        InvalidRequest(String message) {
            super(message, null);
        }
    }

    /** The database or the code store failed; the transaction was rolled back. */
    public static final class StorageFailure extends RegistryException {
        StorageFailure(Exception cause) {
            super("registry storage failed: " + cause.getMessage(), cause);
        }
    }
}
