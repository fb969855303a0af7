package io.kindling.worker.pool;

import java.util.Objects;

/**
 * Where a function version's provisioned concurrency stands, as Lambda's {@code GetProvisionedConcurrencyConfig}
 * reports it: {@link #ready()} is {@code AvailableProvisionedConcurrentExecutions} (and, here, also
 * {@code AllocatedProvisionedConcurrentExecutions}: an environment counts once its init is done), the variant is the
 * {@code Status}.
 */
public sealed interface ProvisionStatus {
    /** Initialized provisioned environments. */
    int ready();

    /** The count last asked for. */
    int requested();

    /** Lambda's {@code IN_PROGRESS}: environments are being started and initialized. */
    record InProgress(int ready, int requested) implements ProvisionStatus {
        public InProgress {
            if (ready < 0 || ready >= requested) {
                throw new IllegalArgumentException("in progress means 0 <= ready < requested: " + ready + "/" + requested);
            }
        }
    }

    /** Lambda's {@code READY}: all {@code requested} are initialized (none, after a request for 0). */
    record Ready(int requested) implements ProvisionStatus {
        public Ready {
            if (requested < 0) {
                throw new IllegalArgumentException("requested must not be negative: " + requested);
            }
        }

        @Override
        public int ready() {
            return requested;
        }
    }

    /**
     * Lambda's {@code FAILED}, with its {@code StatusReason}: the last attempt to start one failed (the function's
     * init, the worker's memory budget, or the sandbox). The pool keeps retrying with backoff; the status stays
     * Failed, with the counts kept current, until all are ready or a new count is asked for.
     */
    record Failed(int ready, int requested, String reason) implements ProvisionStatus {
        public Failed {
            Objects.requireNonNull(reason, "reason");
            if (ready < 0 || ready >= requested) {
                throw new IllegalArgumentException("failed means 0 <= ready < requested: " + ready + "/" + requested);
            }
        }
    }
}
