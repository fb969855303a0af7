package io.kindling.frontend;

import io.kindling.chunks.InvalidPackageException;
import io.kindling.counting.Throttled;
import io.kindling.frontend.auth.AuthException;
import io.kindling.registry.RegistryException;

/**
 * The one place where Kindling's typed errors become Lambda's error names, statuses and messages.
 * Every switch is exhaustive over a sealed type or enum, so a new internal error cannot reach a
 * client unmapped.
 */
final class LambdaErrors {
    private final Arns arns;

    LambdaErrors(Arns arns) {
        this.arns = arns;
    }

    LambdaError of(RequestException e) {
        return switch (e) {
            case RequestException.ConstraintViolation v -> new LambdaError(400, "ValidationException", v.getMessage());
            case RequestException.InvalidParameter p -> new LambdaError(400, "InvalidParameterValueException", p.getMessage());
            case RequestException.UnparsableBody b -> new LambdaError(400, "InvalidRequestContentException", b.getMessage());
            // AWS answers an oversized body with this unmodeled name, not the modeled RequestTooLargeException.
            case RequestException.TooLarge t -> new LambdaError(413, "RequestEntityTooLargeException", t.getMessage());
            case RequestException.UnknownOperation u -> new LambdaError(404, "UnknownOperationException", u.getMessage());
            case RequestException.NotFound n -> new LambdaError(404, "ResourceNotFoundException", n.getMessage());
            case RequestException.Conflict c -> new LambdaError(409, "ResourceConflictException", c.getMessage());
        };
    }

    LambdaError of(RegistryException e) {
        return switch (e) {
            case RegistryException.FunctionNotFound f ->
                    new LambdaError(404, "ResourceNotFoundException", "Function not found: " + arns.function(f.function));
            case RegistryException.VersionNotFound v -> new LambdaError(404, "ResourceNotFoundException",
                    "Function not found: " + arns.function(v.function, v.version));
            case RegistryException.AliasNotFound a -> new LambdaError(404, "ResourceNotFoundException",
                    "Alias not found: " + arns.function(a.function, a.alias));
            case RegistryException.FunctionExists f ->
                    new LambdaError(409, "ResourceConflictException", "Function already exist: " + f.function);
            case RegistryException.AliasExists a -> new LambdaError(409, "ResourceConflictException",
                    "Alias already exists: " + arns.function(a.function, a.alias));
            case RegistryException.UpdateInProgress u -> new LambdaError(409, "ResourceConflictException",
                    "The operation cannot be performed at this time. An update is in progress for resource: "
                            + arns.function(u.function));
            case RegistryException.RevisionMismatch r -> new LambdaError(412, "PreconditionFailedException",
                    "The Revision Id provided does not match the latest Revision Id. Call the " + r.refreshWith
                            + " API to retrieve the latest Revision Id");
            case RegistryException.VersionInUse v -> new LambdaError(409, "ResourceConflictException",
                    "Unable to delete version because the following aliases reference it: " + v.aliases);
            case RegistryException.EventInvokeConfigNotFound n -> new LambdaError(404, "ResourceNotFoundException",
                    "The function " + arns.function(n.function, n.qualifier) + " doesn't have an EventInvokeConfig");
            case RegistryException.ProvisionedConcurrencyNotFound n -> new LambdaError(404,
                    "ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function");
            case RegistryException.ConfigurationConflict c -> new LambdaError(409, "ResourceConflictException", c.getMessage());
            case RegistryException.InvalidRequest i -> new LambdaError(400, "InvalidParameterValueException", i.getMessage());
            case RegistryException.StorageFailure s -> new LambdaError(500, "ServiceException",
                    "Kindling could not read or write its data directory; the request was not applied.");
        };
    }

    LambdaError of(InvalidPackageException e) {
        return switch (e.problem()) {
            case ZIPPED_TOO_LARGE -> new LambdaError(413, "RequestEntityTooLargeException", e.getMessage());
            case NOT_A_ZIP, UNZIPPED_TOO_LARGE, TOO_MANY_ENTRIES, UNSAFE_PATH, LINK_ESCAPES_PACKAGE, UNSUPPORTED_ENTRY,
                 DUPLICATE_ENTRY, CORRUPT_ENTRY -> new LambdaError(400, "InvalidParameterValueException", e.getMessage());
        };
    }

    LambdaError of(AuthException e) {
        return switch (e.failure()) {
            case MISSING_TOKEN -> new LambdaError(403, "MissingAuthenticationTokenException", e.getMessage());
            case INCOMPLETE_SIGNATURE -> new LambdaError(403, "IncompleteSignatureException", e.getMessage());
            case UNRECOGNIZED_CLIENT -> new LambdaError(403, "UnrecognizedClientException", e.getMessage());
            case INVALID_SIGNATURE, SIGNATURE_EXPIRED -> new LambdaError(403, "InvalidSignatureException", e.getMessage());
        };
    }

    LambdaError of(Invoker.InvokeRefused e) {
        return switch (e.why()) {
            // Lambda's answer when no concurrency is left; the SDKs retry it with backoff.
            case NO_CAPACITY -> new LambdaError(429, "TooManyRequestsException", "Rate Exceeded. " + e.getMessage(),
                    "ConcurrentInvocationLimitExceeded");
            case UNAVAILABLE -> new LambdaError(500, "ServiceException", e.getMessage());
        };
    }

    LambdaError of(Throttled e) {
        return new LambdaError(429, "TooManyRequestsException", e.getMessage(), e.reason().name());
    }

    LambdaError of(AsyncEvents.Refused e) {
        return switch (e.why()) {
            case QUEUE_FULL -> new LambdaError(429, "TooManyRequestsException", "Rate Exceeded. " + e.getMessage(),
                    "CallerRateLimitExceeded");
            case UNAVAILABLE -> new LambdaError(500, "ServiceException", e.getMessage());
        };
    }

    static LambdaError of(LocalImages.Rejected e) {
        return switch (e.why()) {
            case INVALID -> new LambdaError(400, "InvalidParameterValueException", e.getMessage());
            // The name the frontend gives every oversized body (see TooLarge above).
            case TOO_LARGE -> new LambdaError(413, "RequestEntityTooLargeException", e.getMessage());
        };
    }

    static LambdaError of(LocalImages.UploadBroken e) {
        return new LambdaError(400, "InvalidRequestContentException", e.getMessage());
    }

    static LambdaError unexpected() {
        return new LambdaError(500, "ServiceException", "Kindling hit an unexpected error; the request id is in the"
                + " server log.");
    }
}
