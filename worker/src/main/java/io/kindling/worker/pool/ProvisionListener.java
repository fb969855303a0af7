package io.kindling.worker.pool;

/**
 * Told each time a function version's {@link ProvisionStatus} changes: at once when a count is asked for, as
 * environments become ready or end, and on each failure. Calls for one pool never overlap and come in order (an
 * intermediate status may be skipped when a newer one is already known); they come from whichever thread made the
 * change (an environment's, a retry timer's, the caller of provision), so an implementation must return quickly.
 */
@FunctionalInterface
public interface ProvisionListener {
    ProvisionListener NONE = status -> {};

    void changed(ProvisionStatus status);
}
