package io.kindling.registry;

import java.time.Instant;
import java.util.Optional;

/**
 * A provisioned concurrency configuration of a published version or an alias.
 *
 * @param resolvedVersion the version number the qualifier points to now (the qualifier itself for a version)
 * @param requested       ProvisionedConcurrentExecutions as last put
 * @param allocated       environments the worker last reported as prepared; 0 after a put or a change of
 *                        {@code resolvedVersion}, until the worker reports again
 * @param lastModified    when the configuration was last put (worker reports do not change it)
 */
public record ProvisionedConcurrency(
        String functionName,
        String qualifier,
        String resolvedVersion,
        int requested,
        int allocated,
        ProvisionedStatus status,
        Optional<String> statusReason,
        Instant lastModified) {

    /** Lambda's AvailableProvisionedConcurrentExecutions: what can take invocations now. */
    public int available() {
        return status == ProvisionedStatus.READY ? allocated : 0;
    }
}
