package io.kindling.registry;

/** Lambda's provisioned concurrency Status values. */
public enum ProvisionedStatus {
    /** Requested or changed; the worker has not yet reported all environments ready. */
    IN_PROGRESS,
    /** The worker holds {@code allocated} initialised environments of the resolved version. */
    READY,
    /** The worker could not prepare them; the status reason says why. */
    FAILED
}
