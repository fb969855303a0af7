package io.kindling.worker.pool;

/**
 * How an environment came to be, which Lambda tells the function in {@code AWS_LAMBDA_INITIALIZATION_TYPE}: an
 * invoke that found no warm environment, or provisioned concurrency, initialized ahead of any invoke. A provisioned
 * environment is also kept warm (no idle timeout, never evicted) and replaced when it ends.
 */
public enum InitializationType {
    ON_DEMAND("on-demand"),
    PROVISIONED_CONCURRENCY("provisioned-concurrency");

    private final String environmentValue;

    InitializationType(String environmentValue) {
        this.environmentValue = environmentValue;
    }

    /** The value of {@code AWS_LAMBDA_INITIALIZATION_TYPE}. */
    public String environmentValue() {
        return environmentValue;
    }
}
